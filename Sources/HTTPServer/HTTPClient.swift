import Foundation

/// One request, one connection: what the portal needs to talk to media agents (small JSON
/// bodies, plain HTTP on a private network or loopback).
public enum HTTPClient {
    public struct InvalidURL: Error, CustomStringConvertible {
        public let url: String
        public var description: String { "not an http:// URL: \(url)" }
    }

    /// Host, port and path prefix of an `http://host[:port][/prefix]` URL.
    public static func split(_ url: String) throws(InvalidURL) -> (host: String, port: Int, path: String) {
        guard url.hasPrefix("http://") else { throw InvalidURL(url: url) }
        let rest = url.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" }
        var path = String(rest.dropFirst(authority.count))
        while path.hasSuffix("/") { path.removeLast() }
        var host = String(authority)
        var port = 80
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { throw InvalidURL(url: url) }
            let after = host[host.index(after: close)...]
            if after.hasPrefix(":") { guard let p = Int(after.dropFirst()) else { throw InvalidURL(url: url) }; port = p }
            host = String(host[host.index(after: host.startIndex)..<close])
        } else if let colon = host.lastIndex(of: ":") {
            guard let p = Int(host[host.index(after: colon)...]) else { throw InvalidURL(url: url) }
            port = p
            host = String(host[..<colon])
        }
        guard !host.isEmpty, (1...65535).contains(port) else { throw InvalidURL(url: url) }
        return (host, port, path)
    }

    public static func request(_ method: String, base: String, path: String, headers: [(String, String)] = [], body: [UInt8] = [],
                               timeout: Double = 10) async throws -> RawResponse {
        let (host, port, prefix) = try split(base)
        let client = try await BlockingIO.run { try RawHTTPClient(port: port, host: host, receiveTimeout: timeout) }
        var head = "\(method) \(prefix)\(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\nContent-Length: \(body.count)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        try await client.send(Array(head.utf8) + body)
        return try await client.readResponse(bodyless: method == "HEAD")
    }
}
