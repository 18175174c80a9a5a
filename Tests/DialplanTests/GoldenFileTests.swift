import Foundation
import Testing
@testable import Dialplan

/// The compiled bundles compared byte for byte with `Golden/<case>/`. Regenerate on purpose
/// with `UPDATE_GOLDEN=1 swift test --filter GoldenFileTests`.
@Suite struct GoldenFileTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static var cases: [(String, TenantSnapshot, CompileOptions)] {
        var off = Fixtures.rich
        off.active = false
        return [
            ("rich", Fixtures.rich, CompileOptions(sipRealm: "pbx.example.com")),
            ("contact-center", Fixtures.contactCenter, CompileOptions(sipRealm: "pbx.example.com")),
            ("hostile-names", Fixtures.hostile, CompileOptions(sipRealm: "pbx.example.com")),
            ("tenant-off", off, CompileOptions(sipRealm: "pbx.example.com")),
            ("legacy-md5-cred", TenantSnapshot(tenantID: "t", key: 12, name: "Small", extensions: [Fixtures.rich.extensions[1]]),
             CompileOptions(sipRealm: "pbx.example.com", trunk: "carrier", sipAuth: .md5Cred)),
        ]
    }

    @Test(arguments: cases.map(\.0))
    func compiledBundleMatchesGoldenFiles(_ name: String) throws {
        let (_, snapshot, options) = try #require(Self.cases.first { $0.0 == name })
        let bundle = DialplanCompiler.compile(snapshot, options: options)
        let folder = Self.root.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try? FileManager.default.removeItem(at: folder)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for (path, bytes) in bundle.files { try Data(bytes).write(to: folder.appendingPathComponent(path)) }
        }
        let expected = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(expected == bundle.sortedPaths)
        for path in bundle.sortedPaths {
            let golden = try String(contentsOf: folder.appendingPathComponent(path), encoding: .utf8)
            let actual = String(decoding: bundle.files[path] ?? [], as: UTF8.self)
            #expect(actual == golden, "\(name)/\(path) differs from its golden file")
        }
    }

    @Test func compilingIsDeterministicWhateverTheInputOrder() {
        var shuffled = Fixtures.rich
        shuffled.extensions.reverse()
        shuffled.publicNumbers.reverse()
        shuffled.intervals.reverse()
        #expect(DialplanCompiler.compile(shuffled) == DialplanCompiler.compile(Fixtures.rich))
    }

    @Test func contextNamesStayWithinAsterisksLimit() {
        var big = Fixtures.rich
        big.key = 2_000_000_000
        let text = String(decoding: DialplanCompiler.compile(big).files["extensions.conf"] ?? [], as: UTF8.self)
        let contexts = text.split(separator: "\n").filter { $0.hasPrefix("[") }.map { $0.dropFirst().prefix { $0 != "]" } }
        #expect(!contexts.isEmpty)
        #expect(contexts.allSatisfy { $0.count <= 79 })
    }

    /// Runtime values (the dialled number, the caller's number and name, HTTP replies, keyed
    /// digits, registered contacts) may reach an argument that an application splits again only
    /// through FILTER, URIENCODE, LEN or REGEX, whose results cannot hold a separator.
    @Test(arguments: ["contact-center", "hostile-names"])
    func runtimeValuesNeverReachArgumentsAsteriskSplitsAgain(_ name: String) throws {
        let (_, snapshot, options) = try #require(Self.cases.first { $0.0 == name })
        let text = String(decoding: DialplanCompiler.compile(snapshot, options: options).files["extensions.conf"] ?? [], as: UTF8.self)
        let reparsing = ["ExecIf(", "ExecIfTime(", "Exec(", "Gosub(", "GosubIf(", "UserEvent(", "Dial(", "AddQueueMember(", "Queue(", "Goto(", "GotoIf("]
        let runtime = ["${EXTEN", "${CALLERID(", "${NAME", "${REPLY", "${PIN", "${C}", "${DB("]
        var checked = 0
        for line in text.split(separator: "\n").map(String.init) where reparsing.contains(where: { line.contains(",\($0)") }) {
            var l = line
            for pattern in [#"\$\{(FILTER|URIENCODE|LEN|REGEX)\((?:[^{}]|\$\{[^{}]*\})*\)\}"#] {
                while let r = l.range(of: pattern, options: .regularExpression) { l.replaceSubrange(r, with: "SAFE") }
            }
            checked += 1
            #expect(!runtime.contains(where: l.contains), "\(line)")
        }
        #expect(checked > 100)
    }

    @Test func aRedactedBundleHoldsNoSecret() {
        var options = CompileOptions(sipRealm: "pbx.example.com")
        options.redactSecrets = true
        let bundle = DialplanCompiler.compile(Fixtures.contactCenter, options: options)
        let all = bundle.sortedPaths.map { String(decoding: bundle.files[$0] ?? [], as: UTF8.self) }.joined()
        for secret in [Fixtures.ha1(1), Fixtures.ha1(2), "1001 => 1234", "\"4321\"", String(repeating: "a", count: 40), "0123456789abcdef"] {
            #expect(!all.contains(secret), "\(secret)")
        }
        #expect(all.contains("password_digest=MD5:redacted"))
        #expect(all.contains("1001 => redacted,Ana Pérez"))
        let real = DialplanCompiler.compile(Fixtures.contactCenter, options: CompileOptions(sipRealm: "pbx.example.com"))
        #expect(String(decoding: real.files["pjsip.conf"] ?? [], as: UTF8.self).contains("password_digest=MD5:\(Fixtures.ha1(1))"))
    }

    @Test func outgoingCallerIDsAreOnlyTheTenantsOwnNumbers() {
        var t = Fixtures.contactCenter
        t.outgoingCallerIDs = ["+34910000099", "+34910000002"]
        let text = String(decoding: DialplanCompiler.compile(t).files["extensions.conf"] ?? [], as: UTF8.self)
        #expect(!text.contains("+34910000099"))
        #expect(text.contains("ExecIf($[${CID} = 2]?Set(CALLERID(num)=+34910000002))"))
        #expect(!text.contains("${CID} = 1]"))
    }

    @Test func namesPeopleTypeCannotBreakTheSyntax() {
        let text = String(decoding: DialplanCompiler.compile(Fixtures.rich).files["pjsip.conf"] ?? [], as: UTF8.self)
        #expect(text.contains("callerid=\"Darío DJ López Jr.\" <1004>"))
    }
}
