import CLinux
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What an `EventLoop`'s thread runs on: the epoll set, the eventfd that wakes it, the queue of
/// jobs and the handlers. The thread holds this strongly and the `EventLoop` only weakly
/// (`owner`), so dropping the last `EventLoop` reference lets the thread see it is gone.
final class LoopCore: @unchecked Sendable {
    typealias Job = @Sendable () -> Void

    let epfd: Int32
    private let wakeFD: Int32
    /// Written once before the thread starts; read by the thread at the start of every turn.
    weak var owner: EventLoop?
    /// Touched only on the loop thread.
    var handlers: [Int32: any EventLoop.Handler] = [:]
    private var tokens = [UInt64](repeating: 0, count: 256)
    private var events = [UInt32](repeating: 0, count: 256)

    private struct Shared {
        var jobs: [Job] = []
        /// The thread is in (or about to enter) `epoll_wait` with no timeout: the next submitter
        /// writes the eventfd and clears this, so one write per sleep, none while the loop runs.
        var sleeping = false
        var stopping = false
        var stopped = false
    }
    private let shared = Mutex(Shared())
    private let stopRequested = Atomic<Bool>(false)

    /// Marks the eventfd in epoll's answers; descriptors are never this large.
    private static let wakeToken = UInt64.max

    init() throws {
        epfd = cepoll_create()
        guard epfd >= 0 else { throw EventLoopError(call: "epoll_create1", errno: errno) }
        wakeFD = clinux_eventfd()
        guard wakeFD >= 0 else {
            let error = errno
            close(epfd)
            throw EventLoopError(call: "eventfd", errno: error)
        }
        // Edge-triggered: every write to the eventfd is one event, so the loop never reads it back
        // (its 64-bit counter would take centuries of writes to fill; `wake` resets it if so).
        guard cepoll_ctl(epfd, 1, wakeFD, UInt32(CEPOLL_IN) | (1 << 31), LoopCore.wakeToken) == 0 else {
            let error = errno
            close(wakeFD)
            close(epfd)
            throw EventLoopError(call: "epoll_ctl(ADD eventfd)", errno: error)
        }
    }

    deinit {
        close(wakeFD)
        close(epfd)
    }

    /// Queues `job`; wakes the thread only if it sleeps (never when called from the loop itself,
    /// which is running, so `sleeping` is false). Dropped once the thread has exited.
    func submit(_ job: @escaping Job) {
        var late = false
        let wake = shared.withLock { s -> Bool in
            guard !s.stopped else {
                late = true
                return false
            }
            s.jobs.append(job)
            guard s.sleeping else { return false }
            s.sleeping = false
            return true
        }
        if late { afterStop.async(execute: job) }
        if wake { self.wake() }
    }

    /// Asks the thread to exit after its current turn; true for the first caller only.
    func requestStop() -> Bool {
        guard !stopRequested.exchange(true, ordering: .acquiringAndReleasing) else { return false }
        let wake = shared.withLock { s -> Bool in
            s.stopping = true
            defer { s.sleeping = false }
            return s.sleeping
        }
        if wake { self.wake() }
        return true
    }

    /// Whether the thread was asked to stop: nothing new should wait on the loop.
    var isStopping: Bool { stopRequested.load(ordering: .acquiring) }

    /// Where jobs go once the thread has exited: one at a time, in order, as on the loop, so
    /// that a task cut off by a shutdown still finishes (and gives back what it holds, such as
    /// a database connection) instead of waiting forever.
    private let afterStop = DispatchQueue(label: "loop.after-stop")

    private func wake() {
        var one: UInt64 = 1
        while write(wakeFD, &one, 8) < 0 {
            if errno == EINTR { continue }
            guard errno == EAGAIN else { return }
            var drained: UInt64 = 0
            _ = read(wakeFD, &drained, 8)
        }
    }

    /// The thread's body: wait, serve the ready descriptors, run the queued jobs, again.
    func run() {
        var ready: Int32 = 0
        var batch: [Job] = []
        while true {
            let timeout = shared.withLock { s -> Int32? in
                if s.stopping { return nil }
                // A full batch may mean more are ready; queued jobs must not wait for an event.
                if ready == 256 || !s.jobs.isEmpty { return 0 }
                s.sleeping = true
                return -1
            }
            guard let timeout else { break }
            ready = tokens.withUnsafeMutableBufferPointer { t in
                events.withUnsafeMutableBufferPointer { e in cepoll_wait(epfd, t.baseAddress, e.baseAddress, 256, timeout) }
            }
            if ready < 0 {
                guard errno == EINTR else { fatalError("epoll_wait failed: errno \(errno)") }
                ready = 0
            }
            if timeout != 0 { shared.withLock { $0.sleeping = false } }
            // Held for this turn only, so that between turns the last reference can go elsewhere.
            guard let loop = owner else { break }
            withExtendedLifetime(loop) {
                pthread_setspecific(LoopThread.key, Unmanaged.passUnretained(loop).toOpaque())
                dispatch(count: Int(ready))
                // Jobs queued while these run (by them or by other threads) wait for the next turn.
                shared.withLock { swap(&batch, &$0.jobs) }
                for job in batch { job() }
                batch.removeAll(keepingCapacity: true)
                pthread_setspecific(LoopThread.key, nil)
            }
        }
        // Descriptors still watched hear that nobody will report them (a database answer
        // awaited by a request the shutdown cut off): they resume, and their work, like jobs
        // queued here, runs after the leftovers on `afterStop`, in order.
        let watching = Array(handlers.values)
        handlers = [:]
        shared.withLock { s in
            s.stopped = true
            let leftover = s.jobs
            s.jobs = []
            if !leftover.isEmpty { afterStop.async { for job in leftover { job() } } }
        }
        for handler in watching { handler.loopStopped() }
    }

    /// Hands each ready descriptor to its handler: writable first, then readable.
    private func dispatch(count: Int) {
        let writeMask = UInt32(CEPOLL_OUT) | UInt32(CEPOLL_ERR) | UInt32(CEPOLL_HUP)
        let readMask = UInt32(CEPOLL_IN) | UInt32(CEPOLL_RDHUP) | UInt32(CEPOLL_HUP) | UInt32(CEPOLL_ERR)
        for i in 0..<count {
            let token = tokens[i]
            guard token != LoopCore.wakeToken else { continue }
            let fd = Int32(truncatingIfNeeded: token)
            let ready = events[i]
            if ready & writeMask != 0 { handlers[fd]?.writable() }
            if ready & readMask != 0 { handlers[fd]?.readable() }
        }
    }
}

/// Starts loop threads and keeps the key that tells a thread which loop it runs.
enum LoopThread {
    static let key: pthread_key_t = {
        var key = pthread_key_t()
        guard pthread_key_create(&key, nil) == 0 else { fatalError("pthread_key_create failed") }
        return key
    }()

    private final class Start {
        let core: LoopCore
        let name: String
        let named = DispatchSemaphore(value: 0)
        init(core: LoopCore, name: String) { (self.core, self.name) = (core, name) }
    }

    /// Returns once the thread runs under its name (so /proc/self/task shows `loop-<id>`).
    static func start(_ core: LoopCore, name: String) throws -> pthread_t {
        _ = key
        let start = Start(core: core, name: name)
        let argument = Unmanaged.passRetained(start).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { argument in
            let start = Unmanaged<Start>.fromOpaque(argument!).takeRetainedValue()
            start.name.withCString { clinux_name_thread($0) }
            start.named.signal()
            start.core.run()
            return nil
        }, argument)
        guard result == 0 else {
            Unmanaged<Start>.fromOpaque(argument).release()
            throw EventLoopError(call: "pthread_create", errno: result)
        }
        start.named.wait()
        return thread
    }
}
