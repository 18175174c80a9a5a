import Foundation

/// A request to the egress proxy, read strictly: `CONNECT host:port` (a TLS tunnel) or an
/// absolute-form `GET|HEAD|POST http://host[:port]/path` (forwarded). Anything else — another
/// scheme, user information, a header section that is not plain text — is a 400, never a guess.
struct EgressRequest: Equatable {
    struct Invalid: Error, CustomStringConvertible { let description: String }

    var method: String
    /// Lowercased host name or address (IPv6 without brackets).
    var host: String
    var port: Int
    /// Origin form for forwarding (`/path?query`); empty for CONNECT.
    var path: String
    var headers: [(name: String, value: String)]

    var isConnect: Bool { method == "CONNECT" }

    static let maxHeadBytes = 16 * 1024
    static let forwardedMethods: Set<String> = ["GET", "HEAD", "POST"]
    /// Headers that belong to one hop (RFC 9110 §7.6.1) or to the proxy: never forwarded.
    /// `Content-Length` is written by the proxy for the body it read; `Expect` is dropped, as
    /// the body is sent at once and a `100 Continue` must not pass for the answer.
    static let hopByHop: Set<String> = ["connection", "proxy-connection", "keep-alive", "proxy-authorization", "proxy-authenticate", "te",
                                        "trailer", "transfer-encoding", "upgrade", "host", "via", "content-length", "expect"]

    static func == (a: EgressRequest, b: EgressRequest) -> Bool {
        a.method == b.method && a.host == b.host && a.port == b.port && a.path == b.path
            && a.headers.map(\.name) == b.headers.map(\.name) && a.headers.map(\.value) == b.headers.map(\.value)
    }

    /// Where the head ends (`\r\n\r\n`), or nil when more bytes are needed. `from`: where
    /// the previous search stopped (the bytes before it held no end), so that reading in
    /// pieces scans each byte about once.
    static func headEnd(_ bytes: [UInt8], from start: Int = 0) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in max(0, min(start, bytes.count) - 3)...(bytes.count - 4)
        where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 { return i + 4 }
        return nil
    }

    init(head: ArraySlice<UInt8>) throws(Invalid) {
        guard head.allSatisfy({ $0 == 9 || $0 == 10 || $0 == 13 || ($0 >= 32 && $0 < 127) }) else { throw Invalid(description: "the request head is not plain text") }
        let lines = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        guard let requestLine = lines.first else { throw Invalid(description: "empty request") }
        // A bare CR, LF or TAB in the request line would become another line upstream.
        guard !requestLine.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\t" || $0 == "\r\n" }) else {
            throw Invalid(description: "malformed request line")
        }
        let parts = requestLine.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[2] == "HTTP/1.1" || parts[2] == "HTTP/1.0" else { throw Invalid(description: "not an HTTP/1.x request line") }
        method = String(parts[0])
        headers = try lines.dropFirst().map { line throws(Invalid) in
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex, !line.contains("\n"), !line.contains("\r"),
                  line[..<colon].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_!#$%&'*+.^`|~".contains($0)) }) else {
                throw Invalid(description: "malformed header line")
            }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        guard headers.filter({ $0.name.lowercased() == "content-length" }).count <= 1 else {
            throw Invalid(description: "more than one Content-Length")
        }
        let target = String(parts[1])
        if method == "CONNECT" {
            (host, port) = try Self.authority(Substring(target), defaultPort: nil)
            path = ""
            return
        }
        guard Self.forwardedMethods.contains(method) else { throw Invalid(description: "method \(method) is not forwarded") }
        guard target.lowercased().hasPrefix("http://") else {
            throw Invalid(description: target.lowercased().hasPrefix("https://") ? "https goes through CONNECT" : "only http:// targets are forwarded")
        }
        let rest = target.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        (host, port) = try Self.authority(authority, defaultPort: 80)
        let tail = rest.dropFirst(authority.count).prefix { $0 != "#" }
        path = tail.isEmpty ? "/" : tail.hasPrefix("?") ? "/" + tail : String(tail)
    }

    /// `host[:port]` or `[v6][:port]`; no user information, no percent signs.
    static func authority(_ text: Substring, defaultPort: Int?) throws(Invalid) -> (String, Int) {
        let lower = text.lowercased()
        guard !lower.contains("@") else { throw Invalid(description: "user information is not allowed") }
        var host: Substring
        var portText: Substring?
        if lower.hasPrefix("[") {
            guard let close = lower.firstIndex(of: "]") else { throw Invalid(description: "bad IPv6 literal") }
            host = lower[lower.index(after: lower.startIndex)..<close]
            let after = lower[lower.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw Invalid(description: "bad authority") }
                portText = after.dropFirst()
            }
            guard EgressAddress(literal: String(host)) != nil else { throw Invalid(description: "bad IPv6 literal") }
        } else {
            let pieces = lower.split(separator: ":", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw Invalid(description: "bad authority") }
            host = pieces[0]
            portText = pieces.count == 2 ? pieces[1] : nil
            if host.hasSuffix(".") { host = host.dropLast() }
            guard EgressPolicy.isHostName(host) else { throw Invalid(description: "bad host name") }
        }
        let port: Int
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }), let p = Int(portText),
                  (1...65_535).contains(p) else { throw Invalid(description: "bad port") }
            port = p
        } else if let defaultPort {
            port = defaultPort
        } else {
            throw Invalid(description: "CONNECT needs host:port")
        }
        return (String(host), port)
    }

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name }?.value
    }

    /// The head sent upstream: origin form, our own Host, the client's end-to-end headers,
    /// `Via` (RFC 9110 §7.6.3) and `Connection: close` (one request per connection, so the response ends at EOF).
    /// `bodyLength`: the body that follows, whose length the proxy states itself.
    func upstreamHead(bodyLength: Int = 0) -> [UInt8] {
        let authority = host.contains(":") ? "[\(host)]" : host
        var text = "\(method) \(path) HTTP/1.1\r\nHost: \(port == 80 ? authority : "\(authority):\(port)")\r\n"
        for (name, value) in headers where !Self.hopByHop.contains(name.lowercased()) { text += "\(name): \(value)\r\n" }
        if bodyLength > 0 || method == "POST" { text += "Content-Length: \(bodyLength)\r\n" }
        text += "Via: 1.1 centralita-egress\r\nConnection: close\r\n\r\n"
        return Array(text.utf8)
    }
}
