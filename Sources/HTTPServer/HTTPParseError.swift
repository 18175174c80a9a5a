/// Why a request could not be parsed. Each case maps to the status the client is sent, always
/// with `Connection: close`, because after a framing error the byte stream cannot be trusted.
public enum HTTPParseError: Error, Equatable, Sendable {
    case requestLineTooLong
    case headerSectionTooLarge
    case tooManyHeaderFields
    case bodyTooLarge
    case unsupportedTransferCoding
    case unsupportedVersion
    case malformedRequestLine
    case invalidRequestTarget
    case bareLineFeed
    case bareCarriageReturn
    case obsoleteLineFolding
    case invalidHeaderName
    case invalidHeaderValue
    case contentLengthWithTransferEncoding
    case conflictingContentLength
    case invalidContentLength
    case invalidTransferEncoding
    case invalidChunkSize
    case chunkLineTooLong
    case missingChunkTerminator
    case missingHost
    case duplicateHost
    case transferEncodingInHTTP10
    case unsupportedExpectation

    public var status: HTTPStatus {
        switch self {
        case .requestLineTooLong: .uriTooLong
        case .headerSectionTooLarge, .tooManyHeaderFields: .requestHeaderFieldsTooLarge
        case .bodyTooLarge: .contentTooLarge
        case .unsupportedTransferCoding: .notImplemented
        case .unsupportedVersion: .httpVersionNotSupported
        case .unsupportedExpectation: .expectationFailed
        default: .badRequest
        }
    }

    /// A sentence for the problem+json `detail`.
    public var detail: String {
        switch self {
        case .requestLineTooLong: "The request line is longer than the server accepts."
        case .headerSectionTooLarge: "The header section is larger than the server accepts."
        case .tooManyHeaderFields: "The request has more header fields than the server accepts."
        case .bodyTooLarge: "The request body is larger than this endpoint accepts."
        case .unsupportedTransferCoding: "Only the chunked transfer coding is supported."
        case .unsupportedVersion: "Only HTTP/1.0 and HTTP/1.1 are supported."
        case .malformedRequestLine: "The request line is malformed."
        case .invalidRequestTarget: "The request target is malformed."
        case .bareLineFeed: "A line ends in LF without CR."
        case .bareCarriageReturn: "A CR appears that is not followed by LF."
        case .obsoleteLineFolding: "Folded header lines are not accepted."
        case .invalidHeaderName: "A header field name is malformed."
        case .invalidHeaderValue: "A header field value contains a forbidden character."
        case .contentLengthWithTransferEncoding: "Content-Length and Transfer-Encoding must not be sent together."
        case .conflictingContentLength: "The request carries differing Content-Length values."
        case .invalidContentLength: "The Content-Length is not a valid number."
        case .invalidTransferEncoding: "The Transfer-Encoding does not end in a single chunked coding."
        case .invalidChunkSize: "A chunk size is malformed."
        case .chunkLineTooLong: "A chunk-size line is longer than the server accepts."
        case .missingChunkTerminator: "A chunk is not followed by CRLF."
        case .missingHost: "HTTP/1.1 requests need a Host header."
        case .duplicateHost: "The request carries more than one Host header."
        case .transferEncodingInHTTP10: "HTTP/1.0 requests cannot use Transfer-Encoding."
        case .unsupportedExpectation: "Only the 100-continue expectation is supported."
        }
    }
}
