import Foundation
import Testing
import TestSupport

/// What a bundle's files declare: contexts, endpoints, queues, mailboxes, hold-music classes.
/// Read from the text the compiler wrote, so that Asterisk's own listing can be held against it.
struct BundleDeclarations {
    var contexts: Set<String> = []
    var endpoints: Set<String> = []
    var queues: Set<String> = []
    var mailboxes: Set<String> = []
    var holdMusic: Set<String> = []

    init(_ files: [String: [UInt8]]) {
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
            if let s = section(line) { current = s } else if let current, let arrow = line.range(of: " => ") {
                mailboxes.insert("\(line[..<arrow.lowerBound])@\(current)")
            }
        }
        for line in lines("musiconhold.conf") { if let s = section(line) { holdMusic.insert(s) } }
    }
}

/// What a running Asterisk says it has loaded, from its CLI.
struct AsteriskInventory {
    var contexts: Set<String> = []
    var endpoints: Set<String> = []
    var queues: Set<String> = []
    var mailboxes: Set<String> = []
    var holdMusic: Set<String> = []

    static func read(from node: AsteriskNode) async throws -> AsteriskInventory {
        var inventory = AsteriskInventory()
        for line in try await node.cli("dialplan show").split(separator: "\n") where line.hasPrefix("[ Context '") {
            let name = line.dropFirst("[ Context '".count).prefix { $0 != "'" }
            inventory.contexts.insert(String(name))
        }
        for line in try await node.cli("pjsip show endpoints").split(separator: "\n") {
            let trimmed = line.drop { $0 == " " }
            guard trimmed.hasPrefix("Endpoint:") else { continue }
            let name = trimmed.dropFirst("Endpoint:".count).drop { $0 == " " }.prefix { $0 != "/" && $0 != " " }
            if name.first != "<" { inventory.endpoints.insert(String(name)) }
        }
        for line in try await node.cli("queue show").split(separator: "\n") {
            if let has = line.range(of: " has "), !line.hasPrefix(" ") { inventory.queues.insert(String(line[..<has.lowerBound])) }
        }
        for line in try await node.cli("voicemail show users").split(separator: "\n").dropFirst() {
            let columns = line.split(separator: " ", omittingEmptySubsequences: true)
            if columns.count >= 2, !line.contains("voicemail users configured") {
                inventory.mailboxes.insert("\(columns[1])@\(columns[0])")
            }
        }
        for line in try await node.cli("moh show classes").split(separator: "\n") where line.hasPrefix("Class: ") {
            inventory.holdMusic.insert(String(line.dropFirst("Class: ".count)))
        }
        return inventory
    }

    /// Every declared object is listed by Asterisk (the node's own objects may be listed too).
    func expectLists(_ declared: BundleDeclarations, bundle: String) {
        #expect(declared.contexts.subtracting(contexts).sorted() == [], "contexts of \(bundle) missing from `dialplan show`")
        #expect(declared.endpoints.subtracting(endpoints).sorted() == [], "endpoints of \(bundle) missing from `pjsip show endpoints`")
        #expect(declared.queues.subtracting(queues).sorted() == [], "queues of \(bundle) missing from `queue show`")
        #expect(declared.mailboxes.subtracting(mailboxes).sorted() == [], "mailboxes of \(bundle) missing from `voicemail show users`")
        #expect(declared.holdMusic.subtracting(holdMusic).sorted() == [], "hold music of \(bundle) missing from `moh show classes`")
        #expect(!declared.contexts.isEmpty)
    }
}
