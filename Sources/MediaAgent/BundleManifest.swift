import Foundation

/// What a tenant's bundle declares to Asterisk: dial-plan contexts, PJSIP endpoints, queues,
/// mailboxes and hold-music classes, read from the files the compiler wrote. The agent holds
/// Asterisk's own listing against it after a reload (`AsteriskInventory`), so "applied" means
/// loaded, not just written.
public struct BundleManifest: Sendable, Equatable {
    public var contexts: Set<String> = []
    public var endpoints: Set<String> = []
    public var queues: Set<String> = []
    public var mailboxes: Set<String> = []
    public var holdMusic: Set<String> = []

    public init() {}

    public init(_ files: [String: [UInt8]]) {
        func lines(_ name: String) -> [Substring] {
            String(decoding: files[name] ?? [], as: UTF8.self).split(separator: "\n")
        }
        func section(_ line: Substring) -> String? {
            guard line.hasPrefix("["), let end = line.firstIndex(of: "]") else { return nil }
            return String(line[line.index(after: line.startIndex)..<end])
        }
        for line in lines("extensions.conf") { if let s = section(line) { contexts.insert(s) } }
        var current: String?
        for line in lines("pjsip.conf") {
            if let s = section(line) { current = s } else if line == "type=endpoint", let current { endpoints.insert(current) }
        }
        for line in lines("queues.conf") { if let s = section(line), s != "general" { queues.insert(s) } }
        current = nil
        for line in lines("voicemail.conf") {
            if let s = section(line) { current = s } else if let current, !line.hasPrefix(";"), let arrow = line.range(of: " => ") {
                mailboxes.insert("\(line[..<arrow.lowerBound])@\(current)")
            }
        }
        for line in lines("musiconhold.conf") { if let s = section(line) { holdMusic.insert(s) } }
    }

    /// The manifest of a tenant folder on disk (empty when there is none).
    public init(folder: String) {
        var files: [String: [UInt8]] = [:]
        for name in ["extensions.conf", "pjsip.conf", "queues.conf", "voicemail.conf", "musiconhold.conf"] {
            if let data = FileManager.default.contents(atPath: folder + "/" + name) { files[name] = Array(data) }
        }
        self.init(files)
    }

    /// What is in this manifest and not in `other`.
    public func subtracting(_ other: BundleManifest) -> BundleManifest { combined(other) { $0.subtracting($1) } }

    /// What both manifests hold.
    public func intersection(_ other: BundleManifest) -> BundleManifest { combined(other) { $0.intersection($1) } }

    /// Each kind of object of this manifest with the same kind of `other`, through `operation`.
    private func combined(_ other: BundleManifest, _ operation: (Set<String>, Set<String>) -> Set<String>) -> BundleManifest {
        var m = BundleManifest()
        m.contexts = operation(contexts, other.contexts)
        m.endpoints = operation(endpoints, other.endpoints)
        m.queues = operation(queues, other.queues)
        m.mailboxes = operation(mailboxes, other.mailboxes)
        m.holdMusic = operation(holdMusic, other.holdMusic)
        return m
    }

    public var isEmpty: Bool { contexts.isEmpty && endpoints.isEmpty && queues.isEmpty && mailboxes.isEmpty && holdMusic.isEmpty }

    /// `contexts t7-ext, t7-out; endpoints 100000001` — for messages.
    public var summary: String {
        [("contexts", contexts), ("endpoints", endpoints), ("queues", queues), ("mailboxes", mailboxes), ("hold music", holdMusic)]
            .filter { !$0.1.isEmpty }
            .map { name, items in "\(name) " + items.sorted().prefix(10).joined(separator: ", ") + (items.count > 10 ? " and \(items.count - 10) more" : "") }
            .joined(separator: "; ")
    }
}

/// What a running Asterisk says it has loaded, parsed from its CLI listings (`dialplan show`,
/// `pjsip show endpoints`, `queue show`, `voicemail show users`, `moh show classes`).
public enum AsteriskInventory {
    /// The CLI commands whose outputs `parse` reads, in order.
    public static let commands = ["dialplan show", "pjsip show endpoints", "queue show", "voicemail show users", "moh show classes"]

    /// Lines may have lost their leading spaces (the manager interface trims them).
    public static func parse(_ outputs: [String]) -> BundleManifest {
        var m = BundleManifest()
        guard outputs.count == commands.count else { return m }
        for line in outputs[0].split(separator: "\n") {
            let l = line.drop { $0 == " " }
            if l.hasPrefix("[ Context '") { m.contexts.insert(String(l.dropFirst("[ Context '".count).prefix { $0 != "'" })) }
        }
        for line in outputs[1].split(separator: "\n") {
            let l = line.drop { $0 == " " }
            guard l.hasPrefix("Endpoint:") else { continue }
            let name = l.dropFirst("Endpoint:".count).drop { $0 == " " }.prefix { $0 != "/" && $0 != " " }
            if !name.isEmpty, name.first != "<" { m.endpoints.insert(String(name)) }
        }
        for line in outputs[2].split(separator: "\n") {
            let l = line.drop { $0 == " " }
            // "t7-q2000 has 0 calls (max 5) in 'leastrecent' strategy (…)"
            if let has = l.range(of: " has "), l.contains(" calls ("), l.contains("' strategy") { m.queues.insert(String(l[..<has.lowerBound])) }
        }
        for line in outputs[3].split(separator: "\n").dropFirst() {
            let columns = line.split(separator: " ", omittingEmptySubsequences: true)
            if columns.count >= 2, !line.contains("voicemail users configured") { m.mailboxes.insert("\(columns[1])@\(columns[0])") }
        }
        for line in outputs[4].split(separator: "\n") {
            let l = line.drop { $0 == " " }
            if l.hasPrefix("Class: ") { m.holdMusic.insert(String(l.dropFirst("Class: ".count))) }
        }
        return m
    }
}
