import Foundation
import HTTPServer
#if canImport(Glibc)
import Glibc
#endif

/// One blocking connection to the Asterisk Manager Interface: the banner, `Key: Value` blocks
/// separated by a blank line, login. Used by the event reader and by reload commands.
final class AMIConnection {
    struct Failure: Error, CustomStringConvertible { let description: String }

    private let fd: Int32
    private var buffer: [UInt8] = []

    /// Connects and reads the banner (by `deadline`); reads time out after `readTimeout` seconds.
    init(_ settings: AMISettings, readTimeout: Int = 1, deadline: Date = Date().addingTimeInterval(10)) throws {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(settings.host, String(settings.port), &hints, &list) == 0, let first = list else {
            throw Failure(description: "cannot resolve \(settings.host)")
        }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket", errno: errno) }
        var tv = timeval(tv_sec: readTimeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        guard Glibc.connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            let e = errno
            close(fd)
            throw SystemError("connect(\(settings.host):\(settings.port))", errno: e)
        }
        self.fd = fd
        // The banner is one line: "Asterisk Call Manager/…".
        while Self.find([13, 10], in: buffer) == nil {
            guard try fill(until: { false }) else { throw Failure(description: "closed before the banner") }
            if Date() > deadline { throw Failure(description: "no banner from \(settings.host):\(settings.port)") }
        }
        if let end = Self.find([13, 10], in: buffer) { buffer.removeSubrange(0..<(end + 2)) }
    }

    deinit { close(fd) }

    /// Logs in; `events` is the AMI event mask (`user`, `off`).
    func login(_ settings: AMISettings, events: String, deadline: Date = Date().addingTimeInterval(10)) throws {
        try send([("Action", "Login"), ("Username", settings.username), ("Secret", settings.secret), ("Events", events)])
        let reply = try nextBlock(until: { Date() > deadline })
        guard reply?["Response"] == "Success" else { throw Failure(description: "login refused: \(reply?["Message"] ?? "no answer")") }
    }

    /// Runs a CLI command (`dialplan reload`) and returns its output; fails on an error
    /// response or when no answer comes before `deadline`.
    func command(_ command: String, id: String, deadline: Date) throws -> String {
        let block = try action([("Action", "Command"), ("Command", command)], id: id, deadline: deadline)
        guard block["Response"] == "Success" || block["Response"] == "Follows" else {
            throw Failure(description: "`\(command)` failed: \(block["Output"] ?? block["Message"] ?? "no message")")
        }
        return block["Output"] ?? ""
    }

    /// Sends one action and returns its response block (matched by `ActionID`, events skipped);
    /// fails when no answer comes before `deadline`.
    func action(_ fields: [(String, String)], id: String, deadline: Date) throws -> [String: String] {
        try send(fields + [("ActionID", id)])
        while true {
            guard let block = try nextBlock(until: { Date() > deadline }) else {
                throw Failure(description: "no answer to \(fields.first?.1 ?? "the action") in time")
            }
            if block["ActionID"] == id, block["Response"] != nil { return block }
        }
    }

    /// Writes one block. Values never carry CR or LF (callers validate them), so a value
    /// cannot start a field or an action of its own.
    func send(_ fields: [(String, String)]) throws {
        var text = ""
        for (k, v) in fields { text += "\(k): \(v)\r\n" }
        let bytes = Array((text + "\r\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw SystemError("send", errno: errno) }
            offset += n
        }
    }

    /// The next block; nil when `stop()` says so during a read timeout. Throws when closed.
    /// Repeated keys (`Output:` lines) are joined with newlines.
    func nextBlock(until stop: () -> Bool) throws -> [String: String]? {
        while true {
            if let end = Self.find([13, 10, 13, 10], in: buffer) {
                let block = Self.parse(String(decoding: buffer[0..<end], as: UTF8.self))
                buffer.removeSubrange(0..<(end + 4))
                return block
            }
            guard try fill(until: stop) else { throw Failure(description: "the manager closed the connection") }
            if stop() { return nil }
        }
    }

    /// Reads more bytes; false at end of stream; a timeout returns true with nothing new.
    private func fill(until stop: () -> Bool) throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16384)
        let n = recv(fd, &chunk, chunk.count, 0)
        if n > 0 { buffer += chunk[0..<n]; return true }
        if n == 0 { return false }
        if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return true }
        throw SystemError("recv", errno: errno)
    }

    static func parse(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in text.split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            fields[key] = fields[key].map { $0 + "\n" + value } ?? value
        }
        return fields
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] && Array(haystack[i..<(i + needle.count)]) == needle { return i }
        return nil
    }
}
