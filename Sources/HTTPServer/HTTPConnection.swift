import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One client connection. All of its state is touched only on its event loop's queue;
/// handlers run as tasks and hand their responses back to that queue. No call here blocks:
/// reads and writes are non-blocking and driven by the loop's readiness events.
final class HTTPConnection: @unchecked Sendable, EventLoop.Handler {
    let fd: Int32
    let loop: EventLoop
    var queue: DispatchQueue { loop.queue }
    let remoteAddress: String
    private let core: ServerCore
    private var parser: HTTPRequestParser
    private var lifecycle: ConnectionLifecycle
    private let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 * 1024, alignment: 1)

    private var readSuspended = false
    private var wantsWrite = false

    private var writeBuffer: [UInt8] = []
    private var writeOffset = 0
    private var flushWaiters: [CheckedContinuation<Void, any Error>] = []

    private var currentHead: HTTPRequestHead?
    private var currentMatch: RouteMatch = .notFound
    private var currentRequestID = ""
    private var inFlight = false
    private var peerClosed = false
    private var shuttingDown = false
    private var closeRequested = false
    private var lingering = false
    private var lingerDeadline = ContinuousClock.now
    private var continueAfterDrain = false
    private var isProcessingInput = false
    private(set) var isClosed = false

    /// Parsed-but-unhandled bytes above this stop further reads until the backlog clears.
    private static let maxBufferedInput = 256 * 1024
    /// Unsent response bytes above this hold back the next pipelined request.
    private static let writeHighWater = 256 * 1024
    private static let lingerTime: Duration = .seconds(2)

    init(fd: Int32, remoteAddress: String, loop: EventLoop, core: ServerCore) {
        self.fd = fd
        self.remoteAddress = remoteAddress
        self.loop = loop
        self.core = core
        self.parser = HTTPRequestParser(limits: core.configuration.limits)
        self.lifecycle = ConnectionLifecycle(timeouts: core.configuration.timeouts, now: .now)
    }

    deinit { readBuffer.deallocate() }

    /// Starts reading; call on `queue`.
    func start() {
        // Shutdown may have closed the connection before its first turn on the queue.
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
            lifecycle.received(now: .now, readingHead: parser.isReadingHead, readingBody: parser.isReadingBody)
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
    private func processInput() {
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
            case .end(let body):
                startRequest(body: body)
            }
        }
        if !inFlight && !isClosed && (peerClosed || (shuttingDown && !parser.isReadingBody)) { closeWhenFlushed() }
    }

    private func headReceived(_ head: HTTPRequestHead) {
        currentHead = head
        currentRequestID = RequestID.from(head.headers)
        let path = head.target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? "/"
        currentMatch = core.router.match(head.method, path: path)
        let limit = currentMatch.maxBodyBytes ?? core.configuration.limits.defaultMaxBodyBytes
        parser.setBodyLimit(limit)
        lifecycle.headComplete(now: .now)
        if head.expectsContinue {
            if case .length(let n) = head.framing, n > limit {
                fail(HTTPParseError.bodyTooLarge)
                return
            }
            enqueue(ResponseSerializer.continueResponse)
        }
    }

    private func startRequest(body: [UInt8]) {
        guard let head = currentHead else { return }
        inFlight = true
        lifecycle.requestComplete(now: .now)
        var request = HTTPRequest(
            method: head.method, target: head.target, version: head.version,
            headers: HTTPHeaders(fields: head.headers), body: body,
            requestID: currentRequestID, remoteAddress: remoteAddress)
        let match = currentMatch
        if case .found(let route, let parameters) = match {
            request.parameters = parameters
            request.routeTemplate = route.template
        }
        let exchange = Exchange(version: head.version, keepAlive: head.keepAlive, isHead: head.method == .head,
                                requestID: currentRequestID)
        let core = self.core
        // The handler starts right here on the event loop and only moves to the cooperative
        // pool if it suspends (a database query, a sleep). Handlers that answer at once never
        // pay for a thread hop, and their response is written without one either.
        Task.immediate {
            let response = await core.respond(to: request, match: match)
            await self.send(response, exchange)
        }
    }

    /// True when the calling code runs on this connection's event loop.
    private var isOnLoop: Bool { loop.isCurrent }

    // MARK: Responding

    struct Exchange: Sendable {
        var version: HTTPVersion
        var keepAlive: Bool
        var isHead: Bool
        var requestID: String
    }

    private func send(_ response: HTTPResponse, _ exchange: Exchange) async {
        guard case .stream(let length, let producer) = response.body,
              !exchange.isHead, ResponseSerializer.allowsBody(response.status) else {
            if isOnLoop {
                writeFixed(response, exchange)
            } else {
                queue.async { self.writeFixed(response, exchange) }
            }
            return
        }
        let framing: ResponseSerializer.Framing =
            length.map { .length($0) } ?? (exchange.version == .http1_1 ? .chunked : .untilClose)
        let writer = StreamWriter(connection: self, chunked: { if case .chunked = framing { true } else { false } }())
        let close: Bool = await withCheckedContinuation { continuation in
            queue.async {
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
            queue.async { self.forceClose() }
            return
        }
        queue.async { self.responseDone(close: close) }
    }

    private func mustClose(_ exchange: Exchange) -> Bool {
        !exchange.keepAlive || shuttingDown || peerClosed
    }

    private func writeFixed(_ response: HTTPResponse, _ exchange: Exchange) {
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

    private func responseDone(close: Bool) {
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

    private func continueWithNextRequest() {
        if readSuspended && !peerClosed && parser.bufferedByteCount <= HTTPConnection.maxBufferedInput {
            resumeReading()
        }
        processInput()
    }

    /// Answers a request that could not be parsed or timed out, then closes.
    private func fail(_ error: any HTTPResponseError) {
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

    // MARK: Writing

    fileprivate func enqueueAndWait(_ bytes: [UInt8]) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            queue.async {
                guard !self.isClosed else {
                    continuation.resume(throwing: SystemError("write", errno: EPIPE))
                    return
                }
                self.enqueue(bytes)
                if self.writeOffset == self.writeBuffer.count {
                    continuation.resume()
                } else {
                    self.flushWaiters.append(continuation)
                }
            }
        }
    }

    private func enqueue(_ bytes: [UInt8]) {
        guard !isClosed, !bytes.isEmpty else { return }
        if writeOffset == writeBuffer.count {
            writeBuffer = bytes
            writeOffset = 0
        } else {
            writeBuffer.append(contentsOf: bytes)
        }
        flush()
    }

    private func flush() {
        while writeOffset < writeBuffer.count {
            let n = writeBuffer.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress! + writeOffset, raw.count - writeOffset, Int32(MSG_NOSIGNAL))
            }
            if n > 0 {
                writeOffset += n
                lifecycle.wrote(now: .now)
            } else if n < 0 && errno == EINTR {
                continue
            } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                lifecycle.writeBlocked(now: .now)
                resumeWriteSource()
                return
            } else {
                forceClose()
                return
            }
        }
        writeBuffer.removeAll(keepingCapacity: writeBuffer.capacity <= 64 * 1024)
        writeOffset = 0
        suspendWriteSource()
        if lifecycle.phase == .writing {
            if inFlight { lifecycle.requestComplete(now: .now) } else { lifecycle.responseComplete(now: .now) }
        }
        let waiters = flushWaiters
        flushWaiters = []
        waiters.forEach { $0.resume() }
        if closeRequested {
            lingeringClose()
        } else if continueAfterDrain {
            continueAfterDrain = false
            continueWithNextRequest()
        }
    }

    private func resumeWriteSource() {
        guard !wantsWrite else { return }
        wantsWrite = true
        updateInterest()
    }

    private func suspendWriteSource() {
        guard wantsWrite else { return }
        wantsWrite = false
        updateInterest()
    }

    private func suspendReading() {
        guard !readSuspended else { return }
        readSuspended = true
        updateInterest()
    }

    private func resumeReading() {
        guard readSuspended else { return }
        readSuspended = false
        updateInterest()
    }

    private func updateInterest() {
        guard !isClosed else { return }
        var interest: EventLoop.Interest = []
        if !readSuspended { interest.insert(.read) }
        if wantsWrite { interest.insert(.write) }
        loop.update(fd, interest: interest)
    }

    // MARK: Closing

    /// Finishes sending what is queued, then closes (no further requests are read).
    private func closeWhenFlushed() {
        guard !isClosed else { return }
        closeRequested = true
        if writeOffset == writeBuffer.count { lingeringClose() }
    }

    /// Half-closes and drains what the client still sends for a moment, so that unread
    /// request bytes do not make the kernel reset the connection before the client has read
    /// the final response.
    private func lingeringClose() {
        guard !isClosed, !lingering else { return }
        if peerClosed {
            forceClose()
            return
        }
        lingering = true
        lingerDeadline = .now + HTTPConnection.lingerTime
        Glibc.shutdown(fd, Int32(SHUT_WR))
        resumeReading()
    }

    func forceClose() {
        guard !isClosed else { return }
        isClosed = true
        lifecycle.close()
        let waiters = flushWaiters
        flushWaiters = []
        waiters.forEach { $0.resume(throwing: SystemError("write", errno: EPIPE)) }
        loop.unregister(fd)
        Glibc.close(fd)
        core.connectionClosed(self)
    }

    // MARK: Timers and shutdown (called on `queue`)

    func checkDeadlines(now: ContinuousClock.Instant) {
        guard !isClosed else { return }
        if lingering {
            if now >= lingerDeadline { forceClose() }
            return
        }
        guard let timeout = lifecycle.expired(now: now) else { return }
        if timeout.answersRequestTimeout && !inFlight {
            fail(HTTPError(.requestTimeout, detail: timeout == .slowHeader
                ? "The request head was not received in time." : "The request body stopped arriving."))
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

/// Writes a streamed body to its connection, chunk-framed when needed; every write waits for
/// the socket to take the bytes.
private struct StreamWriter: HTTPBodyWriter {
    let connection: HTTPConnection
    let chunked: Bool

    func write(_ bytes: [UInt8]) async throws {
        guard !bytes.isEmpty else { return }
        try await connection.enqueueAndWait(chunked ? ResponseSerializer.chunk(bytes) : bytes)
    }

    func finish() async throws {
        if chunked { try await connection.enqueueAndWait(ResponseSerializer.lastChunk) }
    }
}
