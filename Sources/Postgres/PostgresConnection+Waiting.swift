import CLibPQ
import Dispatch
import EventLoops
import Glibc
import Synchronization

/// Where a connection's work runs and how it waits for PostgreSQL's answer.
///
/// On an HTTP event loop (a request's task), a statement goes out from the loop and the task
/// suspends until the loop's epoll sees the socket readable: the loop serves other requests
/// meanwhile, and the answer is read on the thread that will write the response — no thread
/// hand-off per statement. Elsewhere (background work, tests, the cooperative pool) the same
/// code runs on the connection's serial Dispatch queue, where libpq simply blocks.
extension PostgresConnection {
    /// Runs `body` on the connection's queue, where libpq may block. When the calling task is
    /// cancelled meanwhile (a shutdown, an abandoned request), the server is asked to stop the
    /// statement, which then fails with SQLSTATE 57014 instead of holding the connection to
    /// its end.
    func run<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        paths?.onConnectionThread.add(1, ordering: .relaxed)
        return try await withTaskCancellationHandler {
            try await withTaskExecutorPreference(executor) { try await body() }
        } onCancel: {
            cancelRunningStatement()
        }
    }

    /// Runs `body` on the caller's event loop when it is on one (pinned there, so that it
    /// resumes there after each wait; it must wait only through `awaitInput`), else on the
    /// connection's queue.
    func runWithoutBlocking<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        guard let loop = EventLoop.current else { return try await run(body) }
        paths?.onLoop.add(1, ordering: .relaxed)
        return try await withTaskCancellationHandler {
            try await withTaskExecutorPreference(loop) { try await body() }
        } onCancel: {
            cancelRunningStatement()
        }
    }

    /// Returns once `PQgetResult` can answer without blocking. On an event loop that means
    /// waiting for the socket; on the connection's queue libpq blocks by itself.
    func awaitInput() async throws {
        guard PQisBusy(conn) == 1, let loop = EventLoop.current else { return }
        let fd = PQsocket(conn)
        while PQisBusy(conn) == 1 {
            do {
                try await SocketWait.readable(fd, on: loop)
            } catch {
                // Answers are still owed on the wire: the connection cannot serve anyone else.
                markBroken()
                throw error
            }
            guard PQconsumeInput(conn) == 1 else { throw lostConnection() }
        }
    }
}

/// How many round trips a pool's connections awaited where (see `PostgresPool.Statistics`).
final class WaitPaths: Sendable {
    let onLoop = Atomic<Int>(0)
    let onConnectionThread = Atomic<Int>(0)
}

/// A Dispatch serial queue as a task executor: async code pinned to it may block.
final class QueueExecutor: TaskExecutor, @unchecked Sendable {
    let queue: DispatchQueue
    init(_ queue: DispatchQueue) { self.queue = queue }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// One wait for a socket to become readable (or to fail) on an event loop. The socket is in
/// the loop's epoll set only while someone waits on it: a pooled connection serves requests
/// of every loop in turn.
private final class SocketWait: EventLoop.Handler {
    private let fd: Int32
    private let loop: EventLoop
    private var continuation: CheckedContinuation<Void, Never>?

    private init(fd: Int32, loop: EventLoop) {
        self.fd = fd
        self.loop = loop
    }

    static func readable(_ fd: Int32, on loop: EventLoop) async throws {
        let wait = SocketWait(fd: fd, loop: loop)
        var failure: (any Error)?
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            wait.continuation = continuation
            do {
                try loop.register(fd, wait, interest: .read)
            } catch {
                failure = error
                wait.continuation = nil
                continuation.resume()
            }
        }
        if let failure { throw PostgresError(.connection, "cannot wait for PostgreSQL's answer: \(failure)") }
    }

    func readable() { finish() }
    func writable() { finish() }
    /// Resumed: the caller's next wait finds the loop stopped and fails the statement, so the
    /// connection goes back to the pool (broken) instead of being held for ever.
    func loopStopped() { finish() }

    private func finish() {
        guard let continuation else { return }
        self.continuation = nil
        loop.unregister(fd)
        continuation.resume()
    }
}
