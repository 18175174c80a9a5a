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

    @Test func namesPeopleTypeCannotBreakTheSyntax() {
        let text = String(decoding: DialplanCompiler.compile(Fixtures.rich).files["pjsip.conf"] ?? [], as: UTF8.self)
        #expect(text.contains("callerid=\"Darío DJ López Jr.\" <1004>"))
    }
}
