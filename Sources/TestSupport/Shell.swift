public import Foundation
import HTTPServer
import ProcessLauncher
#if canImport(Glibc)
import Glibc
#endif

/// Runs helper programs for tests (initdb, pg_ctl, the media agent …) through
/// `ProcessLauncher`, off the cooperative pool.
public enum Shell {
    public struct Failure: Error, CustomStringConvertible {
        public let command: String
        public let status: Int32
        public let output: String
        public var description: String { "`\(command)` exited \(status): \(output)" }
    }

    @discardableResult
    public static func run(_ executable: String, _ arguments: [String]) async throws -> String {
        try await BlockingIO.run { try runBlocking(executable, arguments) }
    }

    /// Runs to completion; output (stdout and stderr) goes through a file, not a pipe, so a
    /// daemon the command leaves behind (pg_ctl start) cannot hold it open.
    @discardableResult
    public static func runBlocking(_ executable: String, _ arguments: [String]) throws -> String {
        let outputPath = NSTemporaryDirectory() + "shell-\(UUID().uuidString).out"
        defer { unlink(outputPath) }
        let pid = try ProcessLauncher.spawn([executable] + arguments, outputPath: outputPath)
        let exitCode = try ProcessLauncher.wait(pid).status
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        guard exitCode == 0 else {
            throw Failure(command: ([executable] + arguments).joined(separator: " "), status: exitCode, output: output)
        }
        return output
    }

    /// A program started in the background, its output captured in a file.
    public final class Running: Sendable {
        public let pid: pid_t
        public let outputPath: String

        init(pid: pid_t, outputPath: String) {
            self.pid = pid
            self.outputPath = outputPath
        }

        public var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

        public func signal(_ signal: Int32) { kill(pid, signal) }

        /// Waits for the exit and returns the exit code (128 + signal when killed).
        public func wait() async throws -> Int32 {
            let pid = self.pid
            return try await BlockingIO.run { try ProcessLauncher.wait(pid).status }
        }

        /// Polls the output until it contains `text` (or the time runs out).
        public func waitForOutput(containing text: String, timeout: Duration = .seconds(20)) async throws -> String {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                let current = output
                if current.contains(text) { return current }
                try await Task.sleep(for: .milliseconds(50))
            }
            throw Failure(command: "wait for \"\(text)\"", status: -1, output: output)
        }

        deinit {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, WNOHANG)
            unlink(outputPath)
        }
    }

    /// Starts a program and returns at once; the caller waits or signals it.
    public static func start(_ executable: String, _ arguments: [String]) throws -> Running {
        let outputPath = NSTemporaryDirectory() + "shell-\(UUID().uuidString).out"
        return Running(pid: try ProcessLauncher.spawn([executable] + arguments, outputPath: outputPath), outputPath: outputPath)
    }

    /// Starts a program in a new session and does not wait for it.
    public static func spawnDetached(_ executable: String, _ arguments: [String]) throws {
        _ = try ProcessLauncher.spawn([executable] + arguments, outputPath: "/dev/null", newSession: true)
    }

    public static var isRoot: Bool { getuid() == 0 }
}
