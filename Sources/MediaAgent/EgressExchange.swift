#if canImport(Glibc)
import Glibc
#endif

/// One allowed exchange between a client of the egress proxy and the checked upstream address:
/// a forwarded plain-http request whose response is held (at most `maxBytes`) and passed on
/// whole, or a CONNECT tunnel that moves bytes both ways until either side ends, each way
/// capped at `maxBytes`. Both end at the sockets' shared deadline.
final class EgressExchange {
    struct Refusal: Error, CustomStringConvertible {
        let status: Int
        let reason: String
        let description: String
        /// False once bytes of the upstream answer (or tunnel) reached the client.
        let canAnswer: Bool
    }

    let client: EgressSocket
    let upstream: EgressSocket
    let maxBytes: Int
    /// Whether the client already got (part of) an answer: then an error just closes.
    private(set) var answered = false

    init(client: EgressSocket, upstream: EgressSocket, maxBytes: Int) {
        self.client = client
        self.upstream = upstream
        self.maxBytes = maxBytes
    }

    /// Sends the request on (with its Content-Length body), then the whole response back.
    /// Returns the upstream status code.
    func forward(_ request: EgressRequest, leftover: [UInt8]) throws -> Int {
        if request.header("transfer-encoding") != nil {
            throw Refusal(status: 411, reason: "Length Required", description: "request bodies must have a Content-Length", canAnswer: true)
        }
        let length: Int
        if let text = request.header("content-length") {
            guard text.count <= 12, text.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(text) else {
                throw Refusal(status: 400, reason: "Bad Request", description: "bad Content-Length", canAnswer: true)
            }
            length = n
        } else {
            length = 0
        }
        guard length <= maxBytes else {
            throw Refusal(status: 413, reason: "Content Too Large", description: "the request body is larger than \(maxBytes) bytes", canAnswer: true)
        }
        var body = Array(leftover.prefix(length))
        while body.count < length {
            let bytes = try client.read(max: min(16 * 1024, length - body.count))
            if bytes.isEmpty { throw Refusal(status: 400, reason: "Bad Request", description: "the request body ended early", canAnswer: true) }
            body += bytes
        }
        try upstream.write(request.upstreamHead(bodyLength: body.count) + body)
        var response: [UInt8] = []
        var headEnd: Int?
        var expected: Int?
        while expected.map({ response.count < $0 }) ?? true {
            let bytes = try upstream.read()
            if bytes.isEmpty { break }
            let scanned = response.count
            response += bytes
            guard response.count <= maxBytes else {
                throw Refusal(status: 502, reason: "Bad Gateway", description: "the response is larger than \(maxBytes) bytes", canAnswer: true)
            }
            if headEnd == nil, let end = EgressRequest.headEnd(response, from: scanned) {
                headEnd = end
                expected = Self.bodyLength(head: response[..<end], request: request).map { end + $0 }
            }
        }
        guard headEnd != nil else {
            throw Refusal(status: 502, reason: "Bad Gateway", description: "the server sent no complete response", canAnswer: true)
        }
        answered = true
        try client.write(response)
        return Self.status(response)
    }

    /// The response body's length when the head states it (Content-Length, or none at all for
    /// HEAD, 204 and 304); nil means it ends when the server closes — also after an interim
    /// 1xx head, whose final response follows on the same connection.
    static func bodyLength(head: ArraySlice<UInt8>, request: EgressRequest) -> Int? {
        let status = status(Array(head))
        if (100..<200).contains(status) { return nil }
        if request.method == "HEAD" || status == 204 || status == 304 { return 0 }
        let lines = String(decoding: head, as: UTF8.self).split(separator: "\r\n")
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "transfer-encoding" { return nil }
        }
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "content-length" {
                let text = parts[1].filter { $0 != " " && $0 != "\t" }
                return text.count <= 12 && text.allSatisfy({ $0.isASCII && $0.isNumber }) ? Int(text) : nil
            }
        }
        return nil
    }

    static func status(_ response: [UInt8]) -> Int {
        let line = response.prefix { $0 != 13 }
        let parts = line.split(separator: 32)
        guard parts.count >= 2 else { return 0 }
        return Int(String(decoding: parts[1], as: UTF8.self)) ?? 0
    }

    /// Moves bytes both ways until the server has finished (or one fails, or a cap or the
    /// deadline is reached). Returns the bytes moved each way.
    func tunnel(leftover: [UInt8]) throws -> (sent: Int, received: Int) {
        answered = true
        var sent = leftover.count, received = 0
        if !leftover.isEmpty { try upstream.write(leftover) }
        var clientOpen = true, upstreamOpen = true
        // The tunnel ends when the server has finished; a client that finished first may still
        // be waiting for the rest of the answer.
        while upstreamOpen {
            let left = client.deadline - .now
            guard left > .zero else { throw EgressSocket.TimedOut() }
            var fds = [pollfd(fd: clientOpen ? client.fd : -1, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: upstream.fd, events: Int16(POLLIN), revents: 0)]
            let ms = Int32(min(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1, 60_000))
            let n = poll(&fds, 2, ms)
            if n < 0 && errno != EINTR { throw EgressSocket.TimedOut() }
            if n <= 0 { continue }
            if clientOpen, fds[0].revents != 0, let bytes = try client.readNow() {
                if bytes.isEmpty {
                    clientOpen = false
                    shutdown(upstream.fd, Int32(SHUT_WR))
                } else {
                    sent += bytes.count
                    guard sent <= maxBytes else { throw Refusal(status: 0, reason: "", description: "the tunnel sent more than \(maxBytes) bytes", canAnswer: false) }
                    try upstream.write(bytes)
                }
            }
            if fds[1].revents != 0, let bytes = try upstream.readNow() {
                if bytes.isEmpty {
                    upstreamOpen = false
                    shutdown(client.fd, Int32(SHUT_WR))
                } else {
                    received += bytes.count
                    guard received <= maxBytes else {
                        throw Refusal(status: 0, reason: "", description: "the tunnel received more than \(maxBytes) bytes", canAnswer: false)
                    }
                    try client.write(bytes)
                }
            }
        }
        return (sent, received)
    }
}
