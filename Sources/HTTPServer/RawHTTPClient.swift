import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A deliberately plain HTTP/1.1 client over one socket: tests send exactly the bytes they
/// mean (malformed, pipelined, trickled) and read exactly what came back; `HTTPClient` builds
/// ordinary requests on it (the deployer talking to media agents). Blocking calls run on
/// Dispatch threads, never on the cooperative pool the server's handlers need.
public final class RawHTTPClient: @unchecked Sendable {
    public let fd: Int32
    private var buffer: [UInt8] = []

    public init(port: Int, host: String = "127.0.0.1", receiveTimeout: Double = 10) throws {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            fd = -1
            throw SystemError("getaddrinfo(\(host))", errno: status == EAI_SYSTEM ? errno : EHOSTUNREACH)
        }
        defer { freeaddrinfo(list) }
        fd = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket", errno: errno) }
        var tv = timeval(tv_sec: Int(receiveTimeout), tv_usec: Int((receiveTimeout - Double(Int(receiveTimeout))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let rc = connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen)
        // No close here: the init has set every property, so deinit runs and closes `fd`.
        guard rc == 0 else { throw SystemError("connect", errno: errno) }
    }

    deinit { if fd >= 0 { close(fd) } }

    public func send(_ text: String) async throws { try await send(Array(text.utf8)) }

    public func send(_ bytes: [UInt8]) async throws {
        let fd = self.fd
        try await BlockingIO.run {
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
                guard n > 0 else { throw SystemError("send", errno: errno) }
                offset += n
            }
        }
    }

    /// Half-closes the sending side.
    public func finishSending() { shutdown(fd, Int32(SHUT_WR)) }

    /// Reads one response (status line, headers, body by its framing). HEAD responses: pass
    /// `bodyless: true`.
    public func readResponse(bodyless: Bool = false) async throws -> RawResponse {
        while true {
            if let (response, used) = try RawResponse.parse(buffer, bodyless: bodyless, complete: false) {
                buffer.removeFirst(used)
                return response
            }
            guard try await fill() else {
                if let (response, used) = try RawResponse.parse(buffer, bodyless: bodyless, complete: true) {
                    buffer.removeFirst(used)
                    return response
                }
                throw RawResponse.Incomplete(received: buffer)
            }
        }
    }

    /// Reads until the server closes; returns everything not yet consumed.
    public func readToEnd() async throws -> [UInt8] {
        while try await fill() {}
        defer { buffer = [] }
        return buffer
    }

    /// True when the server has closed the connection (read returns 0 or reset) within the
    /// receive timeout.
    public func isClosedByServer() async -> Bool {
        (try? await readToEnd()) != nil
    }

    /// Reads more bytes; false at end of stream. Throws on timeout.
    private func fill() async throws -> Bool {
        let fd = self.fd
        let chunk: [UInt8]? = try await BlockingIO.run {
            var bytes = [UInt8](repeating: 0, count: 65536)
            let n = recv(fd, &bytes, bytes.count, 0)
            if n > 0 { return Array(bytes[0..<n]) }
            if n == 0 { return nil }
            if errno == ECONNRESET { throw RawResponse.Incomplete(received: [], reason: "connection reset by the server") }
            throw SystemError("recv", errno: errno)
        }
        guard let chunk else { return false }
        buffer += chunk
        return true
    }
}

/// A response as the raw client read it.
public struct RawResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    public struct Incomplete: Error, CustomStringConvertible {
        public let received: [UInt8]
        public var reason = "connection closed before a complete response"
        public var description: String { "\(reason): \(String(decoding: received.prefix(300), as: UTF8.self))" }
    }

    public func json<T: Decodable>(_ type: T.Type) throws -> T { try JSONCoding.decode(type, from: body) }

    /// Parses one response from the front of `bytes`: the response and the bytes it used, or
    /// nil when more are needed. `complete` means the peer closed (close-delimited bodies).
    static func parse(_ bytes: [UInt8], bodyless: Bool, complete: Bool) throws -> (RawResponse, Int)? {
        guard let headEnd = find([13, 10, 13, 10], in: bytes, from: 0) else { return nil }
        let head = String(decoding: bytes[0..<headEnd], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw Incomplete(received: bytes) }
        var headers = HTTPHeaders()
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.add(String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
        }
        let bodyStart = headEnd + 4
        if bodyless || status < 200 || status == 204 || status == 304 {
            return (RawResponse(status: status, headers: headers, body: []), bodyStart)
        }
        if headers["Transfer-Encoding"]?.lowercased() == "chunked" {
            var index = bodyStart
            var body: [UInt8] = []
            while true {
                guard let lineEnd = find([13, 10], in: bytes, from: index) else { return nil }
                let sizeText = String(decoding: bytes[index..<lineEnd], as: UTF8.self).split(separator: ";")[0]
                guard let size = Int(sizeText, radix: 16) else { throw Incomplete(received: bytes) }
                index = lineEnd + 2
                if size == 0 {
                    guard let end = find([13, 10], in: bytes, from: index) else { return nil }
                    return (RawResponse(status: status, headers: headers, body: body), end + 2)
                }
                guard bytes.count >= index + size + 2 else { return nil }
                body += bytes[index..<(index + size)]
                index += size + 2
            }
        }
        if let length = headers["Content-Length"].flatMap({ Int($0) }) {
            guard bytes.count >= bodyStart + length else { return nil }
            return (RawResponse(status: status, headers: headers, body: Array(bytes[bodyStart..<(bodyStart + length)])), bodyStart + length)
        }
        guard complete else { return nil }
        return (RawResponse(status: status, headers: headers, body: Array(bytes[bodyStart...])), bytes.count)
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        var i = start
        while i <= haystack.count - needle.count {
            if haystack[i] == needle[0] && Array(haystack[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }
}
