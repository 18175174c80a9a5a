import Dispatch
import EventLoops
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One client connection. All of its state is touched only on its event loop's thread;
/// handlers run as tasks and hand their responses back to that loop. No call here blocks:
/// reads and writes are non-blocking and driven by the loop's readiness events.
final class HTTPConnection: @unchecked Sendable, EventLoop.Handler {
    let fd: Int32
    let loop: EventLoop
    let remoteAddress: String
    let core: ServerCore
    var parser: HTTPRequestParser
    var lifecycle: ConnectionLifecycle
    let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 * 1024, alignment: 1)

    var readSuspended = false
    var wantsWrite = false

    var writeBuffer: [UInt8] = []
    var writeOffset = 0
    var flushWaiters: [CheckedContinuation<Void, any Error>] = []

    var currentHead: HTTPRequestHead?
    var currentMatch: RouteMatch = .notFound
    var currentRequestID = ""
    /// Where the current request's body goes when its route's head gate streams it.
    var currentSink: (any HTTPBodySink)?
    var inFlight = false
    var peerClosed = false
    var shuttingDown = false
    var closeRequested = false
    var lingering = false
    var lingerDeadline = ContinuousClock.now
    var continueAfterDrain = false
    var isProcessingInput = false
    var isClosed = false

    /// Parsed-but-unhandled bytes above this stop further reads until the backlog clears.
    static let maxBufferedInput = 256 * 1024
    /// Unsent response bytes above this hold back the next pipelined request.
    static let writeHighWater = 256 * 1024
    static let lingerTime: Duration = .seconds(2)

    init(fd: Int32, remoteAddress: String, loop: EventLoop, core: ServerCore) {
        self.fd = fd
        self.remoteAddress = remoteAddress
        self.loop = loop
        self.core = core
        self.parser = HTTPRequestParser(limits: core.configuration.limits)
        self.lifecycle = ConnectionLifecycle(timeouts: core.configuration.timeouts, now: .now)
    }

    deinit { readBuffer.deallocate() }

    /// Starts reading; call on the loop.
    func start() {
        // Shutdown may have closed the connection before its first turn on the loop.
        guard !isClosed else { return }
        do {
            try loop.register(fd, self, interest: .read)
        } catch {
            core.logger.error("cannot watch connection", metadata: ["error": "\(error)"])
            forceClose()
        }
    }

    func writable() {
        if writeOffset < writeBuffer.count { flush() }
    }

    // MARK: Reading

    func readable() {
        guard !isClosed else { return }
        var received = 0
        while true {
            let n = read(fd, readBuffer.baseAddress, readBuffer.count)
            if n > 0 {
                if lingering { continue }
                parser.feed(UnsafeRawBufferPointer(rebasing: readBuffer[0..<n]))
                received += n
                if n < readBuffer.count || parser.bufferedByteCount > HTTPConnection.maxBufferedInput { break }
            } else if n == 0 {
                peerClosed = true
                break
            } else {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { break }
                forceClose()
                return
            }
        }
        if lingering {
            if peerClosed { forceClose() }
            return
        }
        if received > 0 {
            lifecycle.received(now: .now, bytes: received, readingHead: parser.isReadingHead, readingBody: parser.isReadingBody)
        }
        processInput()
        guard !isClosed else { return }
        if peerClosed {
            suspendReading()
        } else if parser.bufferedByteCount > HTTPConnection.maxBufferedInput {
            suspendReading()
        }
    }

    /// Parses and starts requests until one is in flight or the input runs out. A handler
    /// that answers without suspending does so inside this loop (see `startRequest`), so the
    /// loop guards against re-entrance: the running loop simply carries on.
    func processInput() {
        guard !isProcessingInput else { return }
        isProcessingInput = true
        defer { isProcessingInput = false }
        while !inFlight && !closeRequested && !isClosed {
            let event: HTTPParserEvent?
            do {
                event = try parser.next()
            } catch {
                fail(error)
                return
            }
            guard let event else { break }
            switch event {
            case .head(let head):
                headReceived(head)
            case .bodyPart(let bytes):
                do { try currentSink?.write(bytes) } catch {
                    core.logger.error("request body sink failed", metadata: ["requestId": "\(currentRequestID)", "error": "\(error)"])
                    fail(HTTPError(.internalServerError, detail: "The request body could not be stored."))
                    return
                }
            case .end(let body):
                startRequest(body: body)
            }
        }
        if !inFlight && !isClosed && (peerClosed || (shuttingDown && !parser.isReadingBody)) { closeWhenFlushed() }
    }

    func headReceived(_ head: HTTPRequestHead) {
        currentHead = head
        currentRequestID = RequestID.from(head.headers)
        let path = head.target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? "/"
        currentMatch = core.router.match(head.method, path: path)
        let limit = currentMatch.maxBodyBytes ?? core.configuration.limits.defaultMaxBodyBytes
        parser.setBodyLimit(limit)
        lifecycle.headComplete(now: .now)
        if head.expectsContinue, case .length(let n) = head.framing, n > limit {
            fail(HTTPParseError.bodyTooLarge)
            return
        }
        if case .found(let route, let parameters) = currentMatch, let gate = route.headGate {
            var request = HTTPRequest(method: head.method, target: head.target, version: head.version, headers: HTTPHeaders(fields: head.headers),
                                      requestID: currentRequestID, remoteAddress: remoteAddress)
            request.parameters = parameters
            request.routeTemplate = route.template
            do {
                currentSink = try gate(request)
            } catch let error as any HTTPResponseError {
                // Answered before a byte of the body is read; the body is drained, never kept.
                fail(error)
                return
            } catch {
                // Not the client's doing (a spool file that could not be made): its text, which
                // may name server paths, goes to the log only.
                core.logger.error("request head gate failed", metadata: ["requestId": "\(currentRequestID)", "error": "\(error)"])
                fail(HTTPError(.internalServerError, detail: "The request could not be taken in; try again."))
                return
            }
            if currentSink != nil { parser.streamBody() }
        }
        if head.expectsContinue { enqueue(ResponseSerializer.continueResponse) }
    }

    func startRequest(body: [UInt8]) {
        guard let head = currentHead else { return }
        inFlight = true
        lifecycle.requestComplete(now: .now)
        var request = HTTPRequest(
            method: head.method, target: head.target, version: head.version,
            headers: HTTPHeaders(fields: head.headers), body: body,
            requestID: currentRequestID, remoteAddress: remoteAddress)
        request.bodySink = currentSink
        currentSink = nil
        let match = currentMatch
        if case .found(let route, let parameters) = match {
            request.parameters = parameters
            request.routeTemplate = route.template
        }
        let exchange = Exchange(version: head.version, keepAlive: head.keepAlive, isHead: head.method == .head,
                                requestID: currentRequestID)
        let core = self.core
        // The handler starts right here on the event loop, so one that answers at once never
        // pays for a thread hop. A light route (a database read) also resumes here after it
        // waited; others continue on the cooperative pool, so long work cannot hold up the loop.
        let staysOnLoop = if case .found(let route, _) = match { route.staysOnLoop } else { false }
        Task.immediate(executorPreference: staysOnLoop ? loop : nil) {
            let response = await core.respond(to: request, match: match)
            await self.send(response, exchange)
        }
    }

    /// True when the calling code runs on this connection's event loop.
    var isOnLoop: Bool { loop.isCurrent }

    // MARK: Responding

    struct Exchange: Sendable {
        var version: HTTPVersion
        var keepAlive: Bool
        var isHead: Bool
        var requestID: String
    }

    func send(_ response: HTTPResponse, _ exchange: Exchange) async {
        guard case .stream(let length, let producer) = response.body,
              !exchange.isHead, ResponseSerializer.allowsBody(response.status) else {
            if isOnLoop {
                writeFixed(response, exchange)
            } else {
                loop.execute { self.writeFixed(response, exchange) }
            }
            return
        }
        let framing: ResponseSerializer.Framing =
            length.map { .length($0) } ?? (exchange.version == .http1_1 ? .chunked : .untilClose)
        let writer = StreamWriter(connection: self, chunked: { if case .chunked = framing { true } else { false } }())
        let close: Bool = await withCheckedContinuation { continuation in
            loop.execute {
                let close = self.mustClose(exchange) || { if case .untilClose = framing { true } else { false } }()
                self.enqueue(ResponseSerializer.head(response, version: exchange.version, framing: framing,
                                                     requestID: exchange.requestID, serverName: self.core.configuration.serverName, close: close))
                continuation.resume(returning: close)
            }
        }
        do {
            try await producer(writer)
            try await writer.finish()
        } catch {
            core.logger.warning("response stream failed", metadata: ["requestId": "\(exchange.requestID)", "error": "\(error)"])
            loop.execute { self.forceClose() }
            return
        }
        loop.execute { self.responseDone(close: close) }
    }

    func mustClose(_ exchange: Exchange) -> Bool {
        !exchange.keepAlive || shuttingDown || peerClosed
    }

    func writeFixed(_ response: HTTPResponse, _ exchange: Exchange) {
        guard !isClosed else { return }
        let close = mustClose(exchange)
        var body: [UInt8] = []
        var framing = ResponseSerializer.Framing.none
        if ResponseSerializer.allowsBody(response.status) {
            switch response.body {
            case .empty: framing = .length(0)
            case .bytes(let bytes):
                framing = .length(bytes.count)
                if !exchange.isHead { body = bytes }
            case .stream(let length, _):
                // Only HEAD comes here with a stream: announce what GET would send.
                framing = length.map { .length($0) } ?? (exchange.version == .http1_1 ? .chunked : .untilClose)
            }
        }
        var bytes = ResponseSerializer.head(response, version: exchange.version, framing: framing,
                                            requestID: exchange.requestID, serverName: core.configuration.serverName, close: close)
        bytes.append(contentsOf: body)
        enqueue(bytes)
        responseDone(close: close)
    }

    func responseDone(close: Bool) {
        guard !isClosed else { return }
        inFlight = false
        currentHead = nil
        if close {
            closeWhenFlushed()
            return
        }
        lifecycle.responseComplete(now: .now)
        if writeBuffer.count - writeOffset > HTTPConnection.writeHighWater {
            continueAfterDrain = true
            return
        }
        continueWithNextRequest()
    }

    func continueWithNextRequest() {
        if readSuspended && !peerClosed && parser.bufferedByteCount <= HTTPConnection.maxBufferedInput {
            resumeReading()
        }
        processInput()
    }

    /// Answers a request that could not be parsed or timed out, then closes.
    func fail(_ error: any HTTPResponseError) {
        guard !isClosed, !closeRequested else { return }
        let requestID = currentHead == nil ? RequestID.generate() : currentRequestID
        let response = core.renderer.response(for: error, requestID: requestID)
        core.accessLog.connectionError(status: error.status, detail: error.detail, requestID: requestID, remoteAddress: remoteAddress)
        if !inFlight {
            let body: [UInt8] = if case .bytes(let b) = response.body { b } else { [] }
            var bytes = ResponseSerializer.head(response, version: .http1_1, framing: .length(body.count), requestID: requestID,
                                                serverName: core.configuration.serverName, close: true)
            bytes.append(contentsOf: body)
            enqueue(bytes)
        }
        closeWhenFlushed()
    }

    // MARK: Timers and shutdown (called on the loop)

    func checkDeadlines(now: ContinuousClock.Instant) {
        guard !isClosed else { return }
        if lingering {
            if now >= lingerDeadline { forceClose() }
            return
        }
        guard let timeout = lifecycle.expired(now: now) else { return }
        if timeout.answersRequestTimeout && !inFlight {
            let detail = switch timeout {
            case .slowHeader: "The request head was not received in time."
            case .slowBody: "The request body is arriving too slowly."
            case .requestDeadline: "The request was not received in time."
            default: "The request body stopped arriving."
            }
            fail(HTTPError(.requestTimeout, detail: detail))
        } else {
            forceClose()
        }
    }

    func beginShutdown() {
        guard !isClosed else { return }
        shuttingDown = true
        if !inFlight && !parser.isReadingBody { closeWhenFlushed() }
    }
}
