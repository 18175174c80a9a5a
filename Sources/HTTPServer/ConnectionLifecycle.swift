/// The life of one connection as a value: which phase it is in and since when, and which
/// deadline applies. It performs no I/O and takes the time as an argument, so tests can walk
/// it through every transition without sockets or sleeping.
struct ConnectionLifecycle: Sendable, Equatable {
    enum Phase: Sendable, Equatable {
        /// Between requests (also before the first one).
        case idle
        /// Part of a request head has arrived.
        case readingHead
        /// The head is complete; the body is arriving.
        case readingBody
        /// A handler is running; no deadline applies.
        case handling
        /// A response is being written and the socket is not accepting more bytes.
        case writing
        /// The connection is closed.
        case closed
    }

    enum Timeout: Sendable, Equatable {
        case slowHeader, idleBody, slowBody, requestDeadline, keepAliveIdle, idleWrite

        /// Whether the client should get a 408 before the connection closes.
        var answersRequestTimeout: Bool { self == .slowHeader || self == .idleBody || self == .slowBody || self == .requestDeadline }
    }

    let timeouts: HTTPTimeouts
    private(set) var phase: Phase = .idle
    /// When the current phase began (a head's first byte for `readingHead`).
    private(set) var phaseStart: ContinuousClock.Instant
    /// The last time bytes moved in the direction the phase waits for.
    private(set) var lastProgress: ContinuousClock.Instant
    /// When the current request's first byte arrived.
    private(set) var requestStart: ContinuousClock.Instant
    /// Bytes received since the body phase began.
    private(set) var bodyBytes = 0

    init(timeouts: HTTPTimeouts, now: ContinuousClock.Instant) {
        self.timeouts = timeouts
        phaseStart = now
        lastProgress = now
        requestStart = now
    }

    /// Bytes arrived; `headStarted`/`readingBody` describe the parser after consuming them.
    /// `bytes` is how many arrived (they count towards the body rate while a body is read).
    mutating func received(now: ContinuousClock.Instant, bytes: Int = 0, readingHead: Bool, readingBody: Bool) {
        switch phase {
        case .idle where readingHead:
            requestStart = now
            enter(.readingHead, now)
        case .idle where readingBody:
            requestStart = now
            enter(.readingBody, now)
        case .readingHead where readingBody:
            enter(.readingBody, now)
        case .readingBody:
            lastProgress = now
            bodyBytes += bytes
        default:
            break
        }
    }

    mutating func headComplete(now: ContinuousClock.Instant) {
        if phase == .idle { requestStart = now }
        if phase == .idle || phase == .readingHead { enter(.readingBody, now) }
    }

    mutating func requestComplete(now: ContinuousClock.Instant) { enter(.handling, now) }

    /// The socket would block on a write.
    mutating func writeBlocked(now: ContinuousClock.Instant) {
        if phase != .writing { enter(.writing, now) }
    }

    mutating func wrote(now: ContinuousClock.Instant) {
        if phase == .writing { lastProgress = now }
    }

    /// The response is handed off; back to waiting for the next request.
    mutating func responseComplete(now: ContinuousClock.Instant) { enter(.idle, now) }

    mutating func close() { phase = .closed }

    /// The deadline that has passed at `now`, if any.
    func expired(now: ContinuousClock.Instant) -> Timeout? {
        switch phase {
        case .idle:
            now - lastProgress >= timeouts.keepAliveIdle ? .keepAliveIdle : nil
        case .readingHead:
            now - phaseStart >= timeouts.slowHeader ? .slowHeader : nil
        case .readingBody:
            if now - requestStart >= timeouts.requestDeadline { .requestDeadline }
            else if now - lastProgress >= timeouts.idleBody { .idleBody }
            else if isBodyTooSlow(now: now) { .slowBody }
            else { nil }
        case .writing:
            now - lastProgress >= timeouts.idleWrite ? .idleWrite : nil
        case .handling, .closed:
            nil
        }
    }

    /// Apache's `mod_reqtimeout` rule: a body that has started arriving has `bodyRateGrace`,
    /// plus one second for every `minBodyBytesPerSecond` bytes received. A body that has not
    /// started is left to `idleBody` (a client waiting for `100 Continue`, or held up by a busy
    /// machine, is silent, not slow).
    private func isBodyTooSlow(now: ContinuousClock.Instant) -> Bool {
        guard timeouts.minBodyBytesPerSecond > 0, bodyBytes > 0 else { return false }
        let earned = Duration.seconds(Double(bodyBytes) / Double(timeouts.minBodyBytesPerSecond))
        return now - phaseStart >= timeouts.bodyRateGrace + earned
    }

    private mutating func enter(_ next: Phase, _ now: ContinuousClock.Instant) {
        phase = next
        phaseStart = now
        lastProgress = now
        bodyBytes = 0
    }
}
