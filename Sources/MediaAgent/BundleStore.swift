import CLinux
import Foundation
import HTTPServer
import MediaProtocol
#if canImport(Glibc)
import Glibc
#endif

/// The tenant trees under `tenants/`: each applied bundle is written beside the live tree,
/// flushed to disk, and exchanged with it in one atomic `renameat2(RENAME_EXCHANGE)`, so
/// Asterisk never reads a half-written tree; the previous tree is kept until the reload
/// commands succeed and is swapped back if they fail.
final class BundleStore: Sendable {
    static let stateFile = ".centralita-state.json"

    enum ApplyError: Error, Equatable, CustomStringConvertible {
        case invalid(String)
        case older(applied: Int, offered: Int)
        case conflict(revision: Int)
        case reloadFailed(String)

        var description: String {
            switch self {
            case .invalid(let why): "invalid bundle: \(why)"
            case .older(let applied, let offered): "revision \(offered) is older than the applied revision \(applied)"
            case .conflict(let revision): "revision \(revision) was already applied with different content"
            case .reloadFailed(let why): "reload failed, previous configuration restored: \(why)"
            }
        }
    }

    enum Outcome: Equatable { case applied, unchanged }

    /// What one apply (or removal) asks of Asterisk: the files that changed, what the new tree
    /// declares and what only the old tree declared (which must be gone after the reload).
    struct ReloadScope: Sendable {
        var tenant: String
        var changed: Set<String>
        var wanted: BundleManifest
        var dropped: BundleManifest
    }

    let root: String
    private let gate = SerialGate()

    init(configDirectory: String) {
        root = configDirectory + "/tenants"
    }

    func tenantPath(_ tenant: String) -> String { "\(root)/\(tenant)" }

    func state(of tenant: String) async throws -> AppliedState? {
        let path = tenantPath(tenant) + "/" + Self.stateFile
        return try await BlockingIO.run {
            guard let data = FileManager.default.contents(atPath: path) else { return nil }
            return try JSONCoding.decode(AppliedState.self, from: Array(data))
        }
    }

    /// Validates, writes, swaps in, reloads; on a failed reload swaps the old tree back.
    func apply(_ payload: BundlePayload, reload: @Sendable (ReloadScope) async throws -> Void) async throws -> Outcome {
        await gate.acquire()
        do {
            let outcome = try await applyAlone(payload, reload: reload)
            await gate.release()
            return outcome
        } catch {
            await gate.release()
            throw error
        }
    }

    private func applyAlone(_ payload: BundlePayload, reload: @Sendable (ReloadScope) async throws -> Void) async throws -> Outcome {
        guard BundlePayload.isSafeTenant(payload.tenant) else { throw ApplyError.invalid("tenant key \(payload.tenant)") }
        let current = try await state(of: payload.tenant)
        if let current {
            if payload.revision < current.revision { throw ApplyError.older(applied: current.revision, offered: payload.revision) }
            if payload.revision == current.revision {
                if payload.checksum == current.checksum { return .unchanged }
                throw ApplyError.conflict(revision: current.revision)
            }
        }
        let live = tenantPath(payload.tenant)
        let staging = "\(root)/.\(payload.tenant).new"
        let root = self.root
        try await BlockingIO.run {
            try Self.write(payload, into: staging, root: root, live: live)
            if FileManager.default.fileExists(atPath: live) {
                guard clinux_exchange(staging, live) == 0 else { throw SystemError("renameat2(\(live))", errno: errno) }
            } else {
                guard rename(staging, live) == 0 else { throw SystemError("rename(\(live))", errno: errno) }
            }
            Self.syncDirectory(root)
        }
        // After the exchange the staging folder holds the previous tree (if there was one).
        let newFiles = Dictionary(payload.files.map { ($0.path, $0.sha256) }, uniquingKeysWith: { a, _ in a })
        let oldFiles = current?.files ?? [:]
        let changed = Set(newFiles.keys).union(oldFiles.keys).filter { newFiles[$0] != oldFiles[$0] }
        let (wanted, previous) = try await BlockingIO.run { (BundleManifest(folder: live), BundleManifest(folder: staging)) }
        let scope = ReloadScope(tenant: payload.tenant, changed: changed, wanted: wanted, dropped: previous.subtracting(wanted))
        do {
            try await reload(scope)
        } catch {
            // Put the previous tree back (or remove a first tree) and load it again.
            try await BlockingIO.run {
                if FileManager.default.fileExists(atPath: staging) {
                    _ = clinux_exchange(staging, live)
                    try? FileManager.default.removeItem(atPath: staging)
                } else {
                    try? FileManager.default.removeItem(atPath: live)
                }
                Self.syncDirectory(root)
            }
            try? await reload(ReloadScope(tenant: payload.tenant, changed: changed, wanted: previous, dropped: wanted.subtracting(previous)))
            throw ApplyError.reloadFailed("\(error)")
        }
        try? await BlockingIO.run { try FileManager.default.removeItem(atPath: staging) }
        return .applied
    }

    /// Tenants with a tree on this node.
    func tenants() async throws -> [String] {
        let root = self.root
        return try await BlockingIO.run {
            ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter { !$0.hasPrefix(".") && BundlePayload.isSafeTenant($0) }.sorted()
        }
    }

    /// Takes a tenant off the node: its tree goes aside, Asterisk reloads without it, and the
    /// tree is deleted once Asterisk no longer lists anything it declared; a failed reload puts
    /// it back. Removing an absent tenant does nothing (a repeated tombstone is harmless).
    func remove(_ tenant: String, reload: @Sendable (ReloadScope) async throws -> Void) async throws -> Bool {
        guard BundlePayload.isSafeTenant(tenant) else { throw ApplyError.invalid("tenant key \(tenant)") }
        await gate.acquire()
        do {
            let removed = try await removeAlone(tenant, reload: reload)
            await gate.release()
            return removed
        } catch {
            await gate.release()
            throw error
        }
    }

    private func removeAlone(_ tenant: String, reload: @Sendable (ReloadScope) async throws -> Void) async throws -> Bool {
        let live = tenantPath(tenant)
        let aside = "\(root)/.\(tenant).removed"
        let root = self.root
        let exists = try await BlockingIO.run { FileManager.default.fileExists(atPath: live) }
        guard exists else { return false }
        let (previous, files) = try await BlockingIO.run { () -> (BundleManifest, [String]) in
            (BundleManifest(folder: live), (try? FileManager.default.contentsOfDirectory(atPath: live)) ?? [])
        }
        try await BlockingIO.run {
            try? FileManager.default.removeItem(atPath: aside)
            guard rename(live, aside) == 0 else { throw SystemError("rename(\(live))", errno: errno) }
            Self.syncDirectory(root)
        }
        do {
            try await reload(ReloadScope(tenant: tenant, changed: Set(files), wanted: BundleManifest(), dropped: previous))
        } catch {
            try? await BlockingIO.run {
                guard rename(aside, live) == 0 else { throw SystemError("rename(\(aside))", errno: errno) }
                Self.syncDirectory(root)
            }
            try? await reload(ReloadScope(tenant: tenant, changed: Set(files), wanted: previous, dropped: BundleManifest()))
            throw ApplyError.reloadFailed("\(error)")
        }
        try? await BlockingIO.run { try FileManager.default.removeItem(atPath: aside) }
        return true
    }

    /// Writes every file (new content, or the unchanged file copied from the live tree) and the
    /// state file, each flushed, then the folders.
    static func write(_ payload: BundlePayload, into staging: String, root: String, live: String) throws {
        let fm = FileManager.default
        try? fm.removeItem(atPath: staging)
        try fm.createDirectory(atPath: staging, withIntermediateDirectories: true)
        var hashes: [String: String] = [:]
        for file in payload.files {
            guard BundlePayload.isSafePath(file.path) else { throw ApplyError.invalid("unsafe path \(file.path)") }
            let bytes: [UInt8]
            if let content = file.content {
                guard let data = Data(base64Encoded: content) else { throw ApplyError.invalid("\(file.path) is not base64") }
                bytes = Array(data)
            } else {
                let existing = live + "/" + file.path
                guard !isSymbolicLink(existing), let data = fm.contents(atPath: existing) else {
                    throw ApplyError.invalid("\(file.path) was not sent and is not on this node")
                }
                bytes = Array(data)
            }
            guard Digests.hex(Digests.sha256(bytes)) == file.sha256 else { throw ApplyError.invalid("\(file.path) does not match its SHA-256") }
            let target = staging + "/" + file.path
            let folder = (target as NSString).deletingLastPathComponent
            try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try writeSynced(bytes, to: target)
            hashes[file.path] = file.sha256
        }
        guard BundlePayload.checksum(hashes.map { ($0.key, $0.value) }) == payload.checksum else {
            throw ApplyError.invalid("the checksum does not match the files")
        }
        let state = AppliedState(tenant: payload.tenant, revision: payload.revision, checksum: payload.checksum, appliedAt: Date(), files: hashes)
        try writeSynced(try JSONCoding.encode(state), to: staging + "/" + stateFile)
        syncDirectory(staging)
    }

    static func isSymbolicLink(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK
    }

    static func writeSynced(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SystemError("open(\(path))", errno: errno) }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            guard n > 0 else { throw SystemError("write(\(path))", errno: errno) }
            offset += n
        }
        guard fsync(fd) == 0 else { throw SystemError("fsync(\(path))", errno: errno) }
    }

    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}

/// One apply at a time (actors alone would interleave at every `await`).
actor SerialGate {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        if !busy {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
    }
}
