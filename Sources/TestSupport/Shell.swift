public import Foundation
import HTTPServer
#if canImport(Glibc)
import Glibc
#endif

/// Runs helper programs for tests (initdb, pg_ctl …) with posix_spawn and waitpid, off the
/// cooperative pool. (Foundation's `Process.waitUntilExit` can miss a child's exit when
/// several processes are spawned from different threads at once, and hang.)
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
        let pid = try spawn(executable, arguments, outputPath: outputPath, newSession: false)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw SystemError("waitpid", errno: errno) }
        }
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let exitCode = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
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
            return try await BlockingIO.run {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 {
                    guard errno == EINTR else { throw SystemError("waitpid", errno: errno) }
                }
                return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
            }
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
        return Running(pid: try spawn(executable, arguments, outputPath: outputPath, newSession: false), outputPath: outputPath)
    }

    /// Starts a program in a new session and does not wait for it.
    public static func spawnDetached(_ executable: String, _ arguments: [String]) throws {
        _ = try spawn(executable, arguments, outputPath: "/dev/null", newSession: true)
    }

    private static func spawn(_ executable: String, _ arguments: [String], outputPath: String, newSession: Bool) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // POSIX_SPAWN_SETSID (glibc 2.26+; the Swift Glibc module does not export it).
        if newSession { posix_spawnattr_setflags(&attributes, 0x80) }
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard rc == 0 else { throw SystemError("posix_spawn(\(executable))", errno: rc) }
        return pid
    }

    public static var isRoot: Bool { getuid() == 0 }
}
