import Foundation
import HTTPServer
import Testing

/// The HTTP fuzzer's corpus (`make fuzz` keeps it in Tests/FuzzCorpora/http) and every crash
/// reproducer it ever saved (Tests/FuzzCorpora/crashes/http), replayed through the same check
/// the fuzzer runs: a parser or helper change that traps or breaks an invariant on any input
/// the fuzzer once found interesting fails here, in an ordinary debug build.
@Suite struct FuzzCorpusTests {
    static let corpora = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FuzzCorpora")

    static func inputs(_ folder: String) throws -> [(name: String, bytes: [UInt8])] {
        let directory = corpora.appendingPathComponent(folder)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { !$0.hasPrefix(".") }.sorted()
        return try names.map { ($0, Array(try Data(contentsOf: directory.appendingPathComponent($0)))) }
    }

    @Test func everyCorpusInputParsesTheSameHoweverItIsSplitAndNeverTraps() throws {
        let inputs = try Self.inputs("http")
        #expect(inputs.count >= 10, "the corpus is in Tests/FuzzCorpora/http")
        var failures: [String] = []
        for input in inputs {
            let problems = ParserFuzzing.check(input.bytes)
            if !problems.isEmpty { failures.append("\(input.name): \(problems.joined(separator: "; "))") }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
    }

    @Test func everySavedCrashReproducerNowPasses() throws {
        var failures: [String] = []
        for input in try Self.inputs("crashes/http") {
            let problems = ParserFuzzing.check(input.bytes)
            if !problems.isEmpty { failures.append("\(input.name): \(problems.joined(separator: "; "))") }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
    }
}
