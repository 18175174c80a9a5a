import Foundation
import HTTPServer
#if canImport(Glibc)
import Glibc
#endif

/// Runs a reload command with posix_spawn, stops it when it runs too long, and returns its
/// exit code and output (stdout and stderr together).
enum CommandRunner {
    struct Result: Sendable {
        var status: Int32
        var output: String
        var timedOut: Bool
    }

    static func run(_ argv: [String], timeout: Double) async throws -> Result {
        try await BlockingIO.run { try runBlocking(argv, timeout: timeout) }
    }

    static func runBlocking(_ argv: [String], timeout: Double) throws -> Result {
        guard let executable = argv.first else { return Result(status: 0, output: "", timedOut: false) }
        let outputPath = NSTemporaryDirectory() + "agent-\(UUID().uuidString).out"
        defer { unlink(outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, executable, &actions, nil, cArgs, environ)
        guard rc == 0 else { throw SystemError("posix_spawnp(\(executable))", errno: rc) }
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        var timedOut = false
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 && errno != EINTR { throw SystemError("waitpid", errno: errno) }
            if Date() > deadline {
                timedOut = true
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                break
            }
            usleep(10_000)
        }
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let code = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return Result(status: code, output: output, timedOut: timedOut)
    }
}
