/// How the body of a request is delimited.
public enum HTTPBodyFraming: Sendable, Equatable {
    case none
    case length(Int)
    case chunked
}

/// The request line and header section, validated, with what they imply for the connection.
public struct HTTPRequestHead: Sendable, Equatable {
    public var method: HTTPMethod
    public var target: String
    public var version: HTTPVersion
    public var headers: [HTTPHeaders.Field]
    public var framing: HTTPBodyFraming
    public var keepAlive: Bool
    public var expectsContinue: Bool
}

/// What the parser has found in the bytes fed so far.
public enum HTTPParserEvent: Sendable, Equatable {
    case head(HTTPRequestHead)
    /// The whole body of the request whose head came before; the request is complete. Empty
    /// when the body was streamed.
    case end(body: [UInt8])
    /// A piece of a streamed body (see `HTTPRequestParser.streamBody()`), in order.
    case bodyPart([UInt8])
}
