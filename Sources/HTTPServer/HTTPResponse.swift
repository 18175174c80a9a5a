import Foundation

/// A response as handlers build it. The connection adds `Date`, `Server`, `X-Request-Id`,
/// framing (`Content-Length` or chunked) and `Connection` when it writes it.
public struct HTTPResponse: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: HTTPResponseBody

    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = [:], body: HTTPResponseBody = .empty) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response whose body is `value` encoded as JSON.
    public static func json(_ value: some Encodable, status: HTTPStatus = .ok, headers: HTTPHeaders = [:]) throws -> HTTPResponse {
        var headers = headers
        headers["Content-Type"] = "application/json; charset=utf-8"
        return HTTPResponse(status: status, headers: headers, body: .bytes(try JSONCoding.encode(value)))
    }

    public static func text(_ text: String, status: HTTPStatus = .ok, contentType: String = "text/plain; charset=utf-8") -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": contentType], body: .bytes(Array(text.utf8)))
    }

    public static func bytes(_ bytes: [UInt8], contentType: String, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": contentType], body: .bytes(bytes))
    }

    public static func noContent() -> HTTPResponse { HTTPResponse(status: .noContent) }
}

/// The body of a response: nothing, bytes in memory, or a stream written as it is produced.
public enum HTTPResponseBody: Sendable {
    case empty
    case bytes([UInt8])
    /// Produced while the response is written. With a known `length` it is sent with
    /// `Content-Length`, otherwise chunked (HTTP/1.1) or until close (HTTP/1.0).
    case stream(length: Int?, producer: @Sendable (any HTTPBodyWriter) async throws -> Void)

    /// Chunks from any async sequence of byte arrays.
    public static func sequence<S: AsyncSequence & Sendable>(_ sequence: S, length: Int? = nil) -> HTTPResponseBody
    where S.Element == [UInt8] {
        .stream(length: length) { writer in
            for try await chunk in sequence where !chunk.isEmpty { try await writer.write(chunk) }
        }
    }

    public var knownLength: Int? {
        switch self {
        case .empty: 0
        case .bytes(let b): b.count
        case .stream(let length, _): length
        }
    }
}

/// Writes a streamed body; `write` returns once the bytes are handed to the socket, so a
/// producer can never run ahead of a slow client.
public protocol HTTPBodyWriter: Sendable {
    func write(_ bytes: [UInt8]) async throws
}

/// One JSON configuration for every response and request body: ISO-8601 dates, sorted keys
/// off (order of declaration), no escaped slashes.
public enum JSONCoding {
    /// Sorted keys, ISO 8601 dates, slashes as they are. Written by `FastJSONEncoder`; the
    /// rare value it does not handle goes through Foundation's encoder, with the same output.
    public static func encode(_ value: some Encodable) throws -> [UInt8] {
        do {
            return try FastJSONEncoder.encode(value)
        } catch is FastJSONEncoder.Unsupported {
            return try foundationEncode(value)
        }
    }

    static func foundationEncode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(type, from: Data(bytes))
    }
}
