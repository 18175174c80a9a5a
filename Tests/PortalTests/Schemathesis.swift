import Foundation
import TestSupport

/// The Schemathesis command line (PyPI `schemathesis`), run through `python3` so that it is
/// found wherever pip put its scripts.
enum Schemathesis {
    static var installed: Bool { (try? Shell.runBlocking("/usr/bin/env", ["python3", "-c", "import schemathesis.cli"])) != nil }
    static var inCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    struct Run {
        var status: Int32
        var output: String
        var seconds: Int
        /// The closing lines: the counts of operations, test cases and failures.
        var summary: String {
            let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
            guard let start = lines.lastIndex(where: { $0.contains("SUMMARY") }) else { return String(output.suffix(2000)) }
            return lines[start...].joined(separator: "\n")
        }
    }

    /// Runs `schemathesis run` with `configuration` as its `schemathesis.toml`; answers with
    /// the exit status and the whole report (it fails, exit 1, on any failed check).
    /// Past `limit` the run is stopped (status 143) so that a hung run fails instead of
    /// holding `make test`.
    static func run(schema: String, base: String, configuration: String, arguments: [String],
                    limit: Duration = .seconds(300)) async throws -> Run {
        let directory = NSTemporaryDirectory() + "schemathesis-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = directory + "/schemathesis.toml"
        try configuration.write(toFile: config, atomically: true, encoding: .utf8)
        let launcher = "import sys; from schemathesis.cli import schemathesis; sys.argv[0] = 'schemathesis'; sys.exit(schemathesis())"
        let started = ContinuousClock.now
        let process = try Shell.start("/usr/bin/env", ["python3", "-c", launcher, "--config-file", config, "--no-color", "run", schema,
                                                       "--url", base, "--generation-database", "none",
                                                       "--report-dir", directory + "/report"] + arguments)
        let watchdog = Task {
            try await Task.sleep(for: limit)
            process.signal(SIGTERM)
        }
        let status = try await process.wait()
        watchdog.cancel()
        return Run(status: status, output: process.output, seconds: Int((ContinuousClock.now - started).components.seconds))
    }
}
