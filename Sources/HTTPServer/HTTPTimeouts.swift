/// The connection timeouts. None of them is reset by a client trickling bytes into the head:
/// the header deadline runs from the first byte of a request.
public struct HTTPTimeouts: Sendable, Equatable {
    /// From the first byte of a request until its header section is complete (→ 408, close).
    public var slowHeader: Duration = .seconds(10)
    /// Longest silence while a body is being received (→ 408, close).
    public var idleBody: Duration = .seconds(30)
    /// Slowest body rate, in bytes per second (→ 408, close): once a body has started, it has
    /// `bodyRateGrace` plus a second per this many bytes received (Apache's `mod_reqtimeout`
    /// rule). A body trickled a byte at a time never goes silent long enough for `idleBody`;
    /// this ends it. 0 turns the check off.
    public var minBodyBytesPerSecond: Int = 500
    public var bodyRateGrace: Duration = .seconds(10)
    /// Longest time from a request's first byte until its body is complete, however steadily
    /// it arrives (→ 408, close).
    public var requestDeadline: Duration = .seconds(300)
    /// Longest silence between requests on a kept-alive connection (→ close).
    public var keepAliveIdle: Duration = .seconds(60)
    /// Longest time a response may sit unsent because the client is not reading (→ close).
    public var idleWrite: Duration = .seconds(30)
    /// How long in-flight requests may finish after a shutdown request.
    public var shutdownGrace: Duration = .seconds(10)

    public init() {}

    /// How often deadlines are checked: a quarter of the shortest timeout, 10 ms to 1 s.
    var sweepInterval: Duration {
        let shortest = [slowHeader, idleBody, bodyRateGrace, keepAliveIdle, idleWrite].min() ?? .seconds(1)
        return min(max(shortest / 4, .milliseconds(10)), .seconds(1))
    }
}
