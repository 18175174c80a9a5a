import Foundation
import HTTPServer
import ProcessLauncher

/// Runs a reload command, stops it when it runs too long, and returns its exit code and
/// output (stdout and stderr together).
enum CommandRunner {
    struct Result: Sendable {
        var status: Int32
        var output: String
        var timedOut: Bool
    }

    static func run(_ argv: [String], timeout: Double) async throws -> Result {
        guard !argv.isEmpty else { return Result(status: 0, output: "", timedOut: false) }
        return try await BlockingIO.run {
            let outputPath = NSTemporaryDirectory() + "agent-\(UUID().uuidString).out"
            defer { unlink(outputPath) }
            let exit = try ProcessLauncher.wait(try ProcessLauncher.spawn(argv, outputPath: outputPath), timeout: timeout)
            let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            return Result(status: exit.status, output: output, timedOut: exit.timedOut)
        }
    }
}
