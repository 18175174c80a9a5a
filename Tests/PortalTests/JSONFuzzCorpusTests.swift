import Foundation
import Portal
import Testing

/// The JSON fuzzer's corpus (`make fuzz` keeps it in Tests/FuzzCorpora/json) and every crash
/// reproducer it ever saved (Tests/FuzzCorpora/crashes/json), replayed through the same
/// decoding and validation the fuzzer runs, in an ordinary debug build and without a database:
/// a body the fuzzer once found interesting that now traps, or is refused other than with a
/// 4xx, or does not survive the JSON round trip after passing its checks, fails here.
@Suite struct JSONFuzzCorpusTests {
    static let corpora = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FuzzCorpora")

    static func inputs(_ folder: String) throws -> [(name: String, bytes: [UInt8])] {
        let directory = corpora.appendingPathComponent(folder)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { !$0.hasPrefix(".") }.sorted()
        return try names.map { ($0, Array(try Data(contentsOf: directory.appendingPathComponent($0)))) }
    }

    @Test func everyCorpusBodyIsDecodedAndCheckedWithoutATrapOrA500() throws {
        let inputs = try Self.inputs("json")
        var failures: [String] = []
        for input in inputs {
            let problems = RequestBodyFuzzing.check(input.bytes)
            if !problems.isEmpty { failures.append("\(input.name): \(problems.joined(separator: "; "))") }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
    }

    @Test func everyBodyTypeHasSeedsInTheCorpus() throws {
        let names = try Self.inputs("json").map(\.name)
        for endpoint in RequestBodyFuzzing.endpointNames {
            #expect(names.contains { $0.hasPrefix("seed-\(endpoint)-") }, "no seed for \(endpoint) in Tests/FuzzCorpora/json")
        }
    }

    @Test func everySavedCrashReproducerNowPasses() throws {
        var failures: [String] = []
        for input in try Self.inputs("crashes/json") {
            let problems = RequestBodyFuzzing.check(input.bytes)
            if !problems.isEmpty { failures.append("\(input.name): \(problems.joined(separator: "; "))") }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
    }
}
