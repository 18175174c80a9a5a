import CLinux
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One event loop: a serial Dispatch queue, an epoll instance holding every descriptor that
/// lives on the loop, and one Dispatch read source on that epoll descriptor.
///
/// Why not a Dispatch source per socket: libdispatch waits for socket events on its own
/// manager thread and wakes a worker for every source that fires, which under load costs a
/// thread hand-off per request. Here the manager sees one descriptor per loop; when it fires,
/// the loop's worker takes every ready socket in one `epoll_wait` and serves them in turn.
///
/// Public because PostgreSQL connections wait on it too: a request's statement is sent from
/// the loop, the connection's socket joins the loop's epoll set, and the answer is read when
/// the loop sees it arrive, with no thread hop per statement.
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
    }

    public let id: Int
    let queue: DispatchQueue
    private let epfd: Int32
    private var source: (any DispatchSourceRead)?
    // Touched only on the loop.
    private var handlers: [Int32: any Handler] = [:]
    private var tokens = [UInt64](repeating: 0, count: 256)
    private var events = [UInt32](repeating: 0, count: 256)

    private struct Reference { unowned let loop: EventLoop }
    private static let key = DispatchSpecificKey<Reference>()
    private static let counter = Atomic<Int>(0)

    public init() throws {
        id = EventLoop.counter.add(1, ordering: .relaxed).newValue
        queue = DispatchQueue(label: "http.loop.\(id)", qos: .userInitiated)
        epfd = cepoll_create()
        guard epfd >= 0 else { throw EventLoopError(call: "epoll_create1", errno: errno) }
        queue.setSpecific(key: EventLoop.key, value: Reference(loop: self))
        let source = DispatchSource.makeReadSource(fileDescriptor: epfd, queue: queue)
        source.setEventHandler { [unowned self] in self.drain() }
        source.resume()
        self.source = source
    }

    deinit {
        source?.cancel()
        close(epfd)
    }

    /// The loop the caller runs on, if any.
    public static var current: EventLoop? { DispatchQueue.getSpecific(key: key)?.loop }

    /// True when the caller runs on this loop.
    public var isCurrent: Bool { EventLoop.current === self }

    /// Runs `body` on the loop, after what is already queued there.
    public func execute(_ body: @escaping @Sendable () -> Void) {
        queue.async(execute: body)
    }

    /// Watches `fd` for `handler` (call on the loop).
    public func register(_ fd: Int32, _ handler: any Handler, interest: Interest) throws {
        handlers[fd] = handler
        guard cepoll_ctl(epfd, 1, fd, interest.rawValue, UInt64(fd)) == 0 else {
            handlers[fd] = nil
            throw EventLoopError(call: "epoll_ctl(ADD)", errno: errno)
        }
    }

    /// Changes what `fd` is watched for (call on the loop).
    public func update(_ fd: Int32, interest: Interest) {
        _ = cepoll_ctl(epfd, 3, fd, interest.rawValue, UInt64(fd))
    }

    /// Stops watching `fd`; call before closing it (on the loop).
    public func unregister(_ fd: Int32) {
        handlers[fd] = nil
        _ = cepoll_ctl(epfd, 2, fd, 0, 0)
    }

    /// Serves every ready descriptor, and again while a full batch came back.
    private func drain() {
        while true {
            let n = tokens.withUnsafeMutableBufferPointer { t in
                events.withUnsafeMutableBufferPointer { e in cepoll_wait(epfd, t.baseAddress, e.baseAddress, 256, 0) }
            }
            guard n > 0 else { return }
            for i in 0..<Int(n) {
                let fd = Int32(truncatingIfNeeded: tokens[i])
                let ready = events[i]
                if ready & (UInt32(CEPOLL_OUT) | UInt32(CEPOLL_ERR) | UInt32(CEPOLL_HUP)) != 0 {
                    handlers[fd]?.writable()
                }
                if ready & (UInt32(CEPOLL_IN) | UInt32(CEPOLL_RDHUP) | UInt32(CEPOLL_HUP) | UInt32(CEPOLL_ERR)) != 0 {
                    handlers[fd]?.readable()
                }
            }
            if n < 256 { return }
        }
    }
}

/// Handlers run on the loop that received their request: a handler that awaits the database
/// resumes here, and answers from here, instead of hopping to Swift's cooperative pool and
/// back — two thread wake-ups fewer per request, which on small machines is most of its cost.
extension EventLoop: TaskExecutor {
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// A system call the loop needed failed.
public struct EventLoopError: Error, CustomStringConvertible, Sendable {
    public let call: String
    public let errno: Int32
    public var description: String { "\(call) failed: errno \(errno)" }
}
