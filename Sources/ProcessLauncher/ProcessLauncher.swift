public import Glibc
import Foundation
import HTTPServer

/// Starts programs with posix_spawn and waits for them with waitpid — for the media agent's
/// reload commands and the tests' helpers (initdb, pg_ctl, the agent itself). Foundation's
/// `Process.waitUntilExit` can miss a child's exit when several are spawned from different
/// threads at once, and hang.
public enum ProcessLauncher {
    /// Starts `argv` (searched in PATH when not a path) with stdin from /dev/null and stdout and
    /// stderr into `outputPath`. A file, not a pipe: a daemon the command leaves behind cannot
    /// hold it open. `newSession` detaches the child from our process group.
    public static func spawn(_ argv: [String], outputPath: String, newSession: Bool = false) throws -> pid_t {
        guard let executable = argv.first else { throw SystemError("posix_spawn", errno: EINVAL) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The child starts with no signal blocked and every signal at its default: threads of
        // this process (Dispatch, the Swift runtime) block some, and a child that inherits
        // that mask misbehaves (Asterisk wakes its manager sessions with SIGURG: blocked, its
        // events reached the manager seconds late). POSIX_SPAWN_SETSID (0x80, glibc 2.26+) is
        // not exported by the Swift Glibc module.
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        var flags = Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        if newSession { flags |= 0x80 }
        posix_spawnattr_setflags(&attributes, flags)
        let cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, executable, &actions, &attributes, cArgs, environ)
        guard rc == 0 else { throw SystemError("posix_spawn(\(executable))", errno: rc) }
        return pid
    }

    public struct Exit: Sendable, Equatable {
        /// The exit code, or 128 + the signal that ended it.
        public var status: Int32
        /// Killed for running longer than the timeout.
        public var timedOut: Bool
    }

    /// Waits for the child (blocking); with a timeout, kills it when the time is up.
    public static func wait(_ pid: pid_t, timeout: Double? = nil) throws -> Exit {
        var status: Int32 = 0
        var timedOut = false
        if let timeout {
            let deadline = Date().addingTimeInterval(timeout)
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
        } else {
            while waitpid(pid, &status, 0) < 0 {
                guard errno == EINTR else { throw SystemError("waitpid", errno: errno) }
            }
        }
        return Exit(status: (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F), timedOut: timedOut)
    }
}
