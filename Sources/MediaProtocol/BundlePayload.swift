public import Foundation

/// A tenant's compiled files as sent to a media agent. Files the agent already has with the
/// same SHA-256 (audio, mostly) travel without content; the agent copies them from its live
/// tree. `checksum` covers every path and file hash, so it names the bundle's exact content.
public struct BundlePayload: Sendable, Equatable, Codable {
    public struct File: Sendable, Equatable, Codable {
        public var path: String
        public var sha256: String
        /// Base64; nil when the agent already has this exact file.
        public var content: String?
        public init(path: String, sha256: String, content: String?) {
            self.path = path
            self.sha256 = sha256
            self.content = content
        }
    }

    public var tenant: String
    public var revision: Int
    public var checksum: String
    public var files: [File]

    public init(tenant: String, revision: Int, files: [String: [UInt8]], omitting known: [String: String] = [:]) {
        self.tenant = tenant
        self.revision = revision
        self.files = files.keys.sorted().map { path in
            let bytes = files[path] ?? []
            let sha = Digests.hex(Digests.sha256(bytes))
            return File(path: path, sha256: sha, content: known[path] == sha ? nil : Data(bytes).base64EncodedString())
        }
        checksum = Self.checksum(self.files.map { ($0.path, $0.sha256) })
    }

    /// The checksum of these files, as a bundle carrying them would have.
    public static func checksum(of files: [String: [UInt8]]) -> String {
        checksum(files.map { ($0.key, Digests.hex(Digests.sha256($0.value))) })
    }

    /// SHA-256 over `path NUL sha256 LF` for every file in path order.
    public static func checksum(_ entries: [(path: String, sha256: String)]) -> String {
        var text: [UInt8] = []
        for (path, sha) in entries.sorted(by: { $0.path < $1.path }) { text += Array(path.utf8) + [0] + Array(sha.utf8) + [10] }
        return Digests.hex(Digests.sha256(text))
    }

    /// Relative, no `..`, no empty or hidden components, a limited alphabet: nothing in a
    /// bundle can name a file outside the tenant's folder.
    public static func isSafePath(_ path: String) -> Bool {
        guard !path.isEmpty, path.count <= 200, !path.hasPrefix("/") else { return false }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/")
        guard path.allSatisfy({ allowed.contains($0) }) else { return false }
        return path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty && !$0.hasPrefix(".") }
    }

    /// Tenant keys are `t` and digits.
    public static func isSafeTenant(_ tenant: String) -> Bool {
        tenant.count >= 2 && tenant.count <= 12 && tenant.first == "t" && tenant.dropFirst().allSatisfy { $0.isASCII && $0.isNumber }
    }
}

/// What an agent reports about one tenant.
public struct AppliedState: Sendable, Equatable, Codable {
    public var tenant: String
    public var revision: Int
    public var checksum: String
    public var appliedAt: Date?
    /// Path → SHA-256 of the live files.
    public var files: [String: String]
    public init(tenant: String, revision: Int, checksum: String, appliedAt: Date?, files: [String: String]) {
        self.tenant = tenant
        self.revision = revision
        self.checksum = checksum
        self.appliedAt = appliedAt
        self.files = files
    }
}
