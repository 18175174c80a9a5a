import CLinux
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One event loop: a dedicated thread (`loop-<id>`) that blocks in `epoll_wait` itself on an
/// epoll instance holding every descriptor that lives on the loop, plus an `eventfd` in the
/// same set that other threads write to when they hand the loop work while it sleeps.
///
/// Why a thread of our own: with a Dispatch read source on the epoll descriptor, libdispatch's
/// manager thread saw the descriptor fire and woke a worker, which then drained `epoll_wait` —
/// two thread wake-ups per readiness event. Here the thread that sleeps in `epoll_wait` is the
/// one that serves the sockets: one wake-up per event, and none while it is busy, since work
/// queued from the loop itself (or while it runs) never touches the eventfd.
///
/// Why not a Dispatch source per socket: libdispatch would wake a worker for every source that
/// fires, a thread hand-off per request. Here one `epoll_wait` returns every ready socket.
///
/// Public because PostgreSQL connections wait on it too: a request's statement is sent from
/// the loop, the connection's socket joins the loop's epoll set, and the answer is read when
/// the loop sees it arrive, with no thread hop per statement.
///
/// Lifetime: the thread holds the loop only weakly between turns, so releasing the last
/// reference (or calling `shutdown()`) makes it exit; its descriptors close when the last
/// reference to the loop goes.
public final class EventLoop: @unchecked Sendable {
    /// What a registered descriptor wants to hear about.
    public struct Interest: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let read = Interest(rawValue: UInt32(CEPOLL_IN) | UInt32(CEPOLL_RDHUP))
        public static let write = Interest(rawValue: UInt32(CEPOLL_OUT))
    }

    /// Receives readiness for one descriptor, on the loop.
    public protocol Handler: AnyObject {
        func readable()
        func writable()
        /// The loop stopped with the descriptor still watched: no readiness will follow.
        /// Called once, on the loop's thread as it exits; by default nothing happens.
        func loopStopped()
    }

    public let id: Int
    let core: LoopCore
    private var thread: pthread_t?
    private static let counter = Atomic<Int>(0)

    public init() throws {
        id = EventLoop.counter.add(1, ordering: .relaxed).newValue
        core = try LoopCore()
        // Set before the thread starts, which then reads it on every turn.
        core.owner = self
        thread = try LoopThread.start(core, name: "loop-\(id)")
    }

    deinit {
        stop()
    }

    /// The loop the caller runs on, if any. One `pthread_getspecific`: cheap enough per statement.
    public static var current: EventLoop? {
        guard let pointer = pthread_getspecific(LoopThread.key) else { return nil }
        return Unmanaged<EventLoop>.fromOpaque(pointer).takeUnretainedValue()
    }

    /// True when the caller runs on this loop.
    public var isCurrent: Bool { pthread_getspecific(LoopThread.key) == Unmanaged.passUnretained(self).toOpaque() }

    /// Runs `body` on the loop, after what is already queued there (first in, first out).
    /// Work handed to a loop that has been shut down runs on a serial Dispatch queue instead.
    public func execute(_ body: @escaping @Sendable () -> Void) {
        core.submit(body)
    }

    /// Stops the thread after its current turn; jobs it has not run by then, and jobs queued
    /// later, run on a serial Dispatch queue (so a task cut off by the shutdown still ends). Called from another thread, returns once the
    /// thread has exited. Idempotent; deinit does it too.
    public func shutdown() {
        stop()
    }

    private func stop() {
        guard let thread, core.requestStop() else { return }
        if pthread_equal(pthread_self(), thread) != 0 {
            pthread_detach(thread)
        } else {
            pthread_join(thread, nil)
        }
    }

    /// Watches `fd` for `handler` (call on the loop).
    public func register(_ fd: Int32, _ handler: any Handler, interest: Interest) throws {
        // A stopped loop would never report the descriptor ready.
        guard !core.isStopping else { throw EventLoopError(call: "register on a stopped loop", errno: ESHUTDOWN) }
        core.handlers[fd] = handler
        guard cepoll_ctl(core.epfd, 1, fd, interest.rawValue, UInt64(UInt32(bitPattern: fd))) == 0 else {
            let error = errno
            core.handlers[fd] = nil
            throw EventLoopError(call: "epoll_ctl(ADD)", errno: error)
        }
    }

    /// Changes what `fd` is watched for (call on the loop).
    public func update(_ fd: Int32, interest: Interest) {
        _ = cepoll_ctl(core.epfd, 3, fd, interest.rawValue, UInt64(UInt32(bitPattern: fd)))
    }

    /// Stops watching `fd`; call before closing it (on the loop).
    public func unregister(_ fd: Int32) {
        core.handlers[fd] = nil
        _ = cepoll_ctl(core.epfd, 2, fd, 0, 0)
    }
}

/// Handlers run on the loop that received their request: a handler that awaits the database
/// resumes here, and answers from here, instead of hopping to Swift's cooperative pool and
/// back — two thread wake-ups fewer per request, which on small machines is most of its cost.
extension EventLoop: TaskExecutor {
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

extension EventLoop.Handler {
    public func loopStopped() {}
}

/// A system call the loop needed failed.
public struct EventLoopError: Error, CustomStringConvertible, Sendable {
    public let call: String
    public let errno: Int32
    public var description: String { "\(call) failed: errno \(errno)" }
}
