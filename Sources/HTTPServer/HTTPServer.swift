import Dispatch
import EventLoops
public import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The HTTP/1.1 server: non-blocking sockets served by event loops (a thread each; accepting
/// stays on Dispatch sources), IPv4 and IPv6, keep-alive and pipelining, strict parsing,
/// timeouts, a connection cap and graceful shutdown.
public final class HTTPServer: Sendable {
    private struct Listening: @unchecked Sendable {
        var fds: [Int32] = []
        var sources: [any DispatchSourceRead] = []
        var sweeper: (any DispatchSourceTimer)?
        var port: Int = 0
    }

    public let configuration: HTTPServerConfiguration
    private let core: ServerCore
    let loops: [EventLoop]
    private let acceptQueue = DispatchQueue(label: "http.accept")
    private let state = Mutex(Listening())
    private let nextLoop = Mutex(0)

    /// - Parameters:
    ///   - middleware: runs, first to last, around every request (also 404/405 answers).
    public init(configuration: HTTPServerConfiguration, router: Router, middleware: [any HTTPMiddleware] = [],
                renderer: ProblemRenderer = ProblemRenderer(), logger: Logger, accessLog: AccessLog? = nil) {
        self.configuration = configuration
        self.core = ServerCore(configuration: configuration, router: router, middleware: middleware, renderer: renderer,
                               logger: logger, accessLog: accessLog ?? AccessLog(logger: logger, metrics: nil))
        // An event loop needs an epoll descriptor; failing to get one at start-up is fatal.
        self.loops = (0..<max(configuration.eventLoops, 1)).map { _ in
            do { return try EventLoop() } catch { fatalError("cannot create an event loop: \(error)") }
        }
    }

    /// Stops the loops' threads even if `shutdown()` never ran (a server that was never started).
    deinit {
        loops.forEach { $0.shutdown() }
    }

    /// The bound port (useful when configured with port 0).
    public var port: Int { state.withLock { $0.port } }

    public var openConnections: Int { core.openConnections }

    /// Binds and starts accepting. Returns once the sockets listen.
    public func start() throws {
        signal(SIGPIPE, SIG_IGN)
        let fds = try Socket.listen(host: configuration.host, port: configuration.port, backlog: configuration.backlog)
        let port = try fds.first.map(Socket.localPort) ?? configuration.port
        var sources: [any DispatchSourceRead] = []
        for fd in fds {
            let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: acceptQueue)
            source.setEventHandler { [self] in self.acceptAll(fd) }
            source.setCancelHandler { _ = Glibc.close(fd) }
            source.resume()
            sources.append(source)
        }
        let sweeper = DispatchSource.makeTimerSource(queue: acceptQueue)
        let interval = configuration.timeouts.sweepInterval
        sweeper.schedule(deadline: .now() + interval.dispatchInterval, repeating: interval.dispatchInterval, leeway: .milliseconds(5))
        sweeper.setEventHandler { [core] in
            let now = ContinuousClock.now
            core.forEachConnection { $0.checkDeadlines(now: now) }
        }
        sweeper.resume()
        state.withLock { $0 = Listening(fds: fds, sources: sources, sweeper: sweeper, port: port) }
        core.logger.info("listening", metadata: ["host": .string(configuration.host), "port": .stringConvertible(port)])
    }

    private func acceptAll(_ listener: Int32) {
        while true {
            let accepted: (fd: Int32, address: String)?
            do {
                accepted = try Socket.accept(listener)
            } catch {
                core.logger.error("accept failed", metadata: ["error": "\(error)"])
                return
            }
            guard let (fd, address) = accepted else { return }
            Socket.setNoDelay(fd)
            let loop = nextLoop.withLock { i in defer { i = (i + 1) % loops.count }; return loops[i] }
            let connection = HTTPConnection(fd: fd, remoteAddress: address, loop: loop, core: core)
            if let refusal = core.register(connection) {
                refuse(fd, refusal)
                continue
            }
            loop.execute { connection.start() }
        }
    }

    /// Answers a connection beyond a limit and closes it without reading: 503 when the server
    /// is full, 429 when this client already holds its share.
    private func refuse(_ fd: Int32, _ refusal: ServerCore.Refusal) {
        let error = refusal == .serverFull
            ? HTTPError(.serviceUnavailable, detail: "The server has too many open connections; try again shortly.")
            : HTTPError(.tooManyRequests, detail: "This client has too many open connections; close some first.", headers: ["Retry-After": "1"])
        let response = core.renderer.response(for: error, requestID: RequestID.generate())
        let body: [UInt8] = if case .bytes(let b) = response.body { b } else { [] }
        var bytes = ResponseSerializer.head(response, version: .http1_1, framing: .length(body.count), requestID: RequestID.generate(),
                                            serverName: configuration.serverName, close: true)
        bytes.append(contentsOf: body)
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        Glibc.shutdown(fd, Int32(SHUT_WR))
        _ = Glibc.close(fd)
    }

    /// Stops accepting, lets in-flight requests finish (up to the grace period), closes idle
    /// connections, then closes whatever is left and stops the event loops' threads, so a server
    /// does not start again. Not to be awaited from a task that runs on one of this server's loops.
    public func shutdown() async {
        let listening = state.withLock { s -> Listening in defer { s.sources = []; s.sweeper = nil }; return s }
        guard !listening.sources.isEmpty else { return }
        listening.sources.forEach { $0.cancel() }
        core.logger.info("shutting down", metadata: ["openConnections": .stringConvertible(core.openConnections)])
        core.forEachConnection { $0.beginShutdown() }
        let drained = await core.waitUntilDrained(timeout: configuration.timeouts.shutdownGrace)
        if !drained {
            core.logger.warning("grace period over; closing remaining connections", metadata: ["open": "\(core.openConnections)"])
            core.forEachConnection { $0.forceClose() }
            await core.waitUntilDrained()
        }
        listening.sweeper?.cancel()
        core.accessLog.flush()
        // Every connection is closed: the loops' threads exit (work still queued there, and what
        // resumes later, runs on a serial Dispatch queue instead).
        loops.forEach { $0.shutdown() }
    }

    /// Starts, then serves until SIGTERM or SIGINT, then shuts down gracefully.
    public func run() async throws {
        try start()
        await Signals.waitForTermination()
        await shutdown()
    }
}

extension Duration {
    var dispatchInterval: DispatchTimeInterval {
        let (seconds, attoseconds) = components
        return .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
    }
}

/// Waits for SIGTERM or SIGINT without installing a handler that could run at a bad moment:
/// the signals are ignored and observed through Dispatch.
public enum Signals {
    public static func waitForTermination() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = Mutex(false)
            let queue = DispatchQueue(label: "signals")
            var sources: [any DispatchSourceSignal] = []
            for sig in [SIGTERM, SIGINT] {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
                source.setEventHandler {
                    let first = once.withLock { fired in defer { fired = true }; return !fired }
                    if first { continuation.resume() }
                }
                source.resume()
                sources.append(source)
            }
            // Keep the sources alive for the life of the process.
            SignalSourceHolder.keep(sources)
        }
    }
}

private enum SignalSourceHolder {
    private static let held = Mutex<[any DispatchSourceSignal]>([])
    static func keep(_ sources: [any DispatchSourceSignal]) {
        let boxed = UncheckedBox(sources)
        held.withLock { $0.append(contentsOf: boxed.value) }
    }
}

struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
