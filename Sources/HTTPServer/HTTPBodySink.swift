/// Takes a request body as it arrives instead of the server holding it in memory. A route's
/// head gate returns one after it has accepted the head (checked a signature, say), so not a
/// byte of a body is read for a request whose head is refused; a large upload goes to disk.
public protocol HTTPBodySink: AnyObject, Sendable {
    /// Each piece of the body in order, on the connection's event loop (keep it short). A
    /// thrown error answers 500 and closes the connection.
    func write(_ bytes: [UInt8]) throws
}

/// Runs on the event loop as soon as a route's request head is complete, before any of its
/// body is read. Throwing answers the error at once and closes the connection without reading
/// the body; returning a sink streams the body into it (the handler finds it as
/// `request.bodySink`, and `request.body` stays empty); returning nil reads the body as usual.
public typealias HTTPHeadGate = @Sendable (HTTPRequest) throws -> (any HTTPBodySink)?
