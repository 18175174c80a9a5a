public import Foundation
import HTTPServer
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A test's connection to an Asterisk Manager Interface: every event Asterisk sends is kept in
/// arrival order (a reader thread), and actions wait for their `ActionID`'s response. Tests read
/// what Asterisk did from these events, never from what the dial plan says it would do.
public final class AMIClient: Sendable {
    /// One `Key: Value` block. Keys repeat in some events (`ChanVariable`); the last wins here.
    public struct Message: Sendable, Equatable, CustomStringConvertible {
        public let fields: [String: String]
        public subscript(_ key: String) -> String? { fields[key] }
        public var event: String? { fields["Event"] }
        public var description: String { fields.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") }
    }

    public struct Failure: Error, CustomStringConvertible { public let description: String }

    private let fd: Int32
    private let state = Mutex(State())
    private let counter = Atomic<Int>(0)

    private struct State {
        var events: [Message] = []
        var responses: [String: Message] = [:]
        var closed = false
        var bytes = 0
    }

    /// Bytes read so far and whether the connection has closed (for failure messages).
    public var status: String { state.withLock { "\($0.bytes) bytes read, \($0.closed ? "closed" : "open")" } }

    /// Connects, logs in with every event class on, and starts reading.
    public static func connect(port: Int, username: String, secret: String, host: String = "127.0.0.1") async throws -> AMIClient {
        let client = try await BlockingIO.run { try AMIClient(host: host, port: port) }
        let reply = try await client.action(["Action": "Login", "Username": username, "Secret": secret, "Events": "on"])
        guard reply["Response"] == "Success" else { throw Failure(description: "AMI login refused: \(reply)") }
        return client
    }

    private init(host: String, port: Int) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket", errno: errno) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr(host)
        var connected: Int32 = -1
        for _ in 0..<50 {
            connected = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if connected == 0 { break }
            usleep(100_000)
        }
        guard connected == 0 else {
            Glibc.close(fd)
            throw SystemError("connect(\(host):\(port))", errno: errno)
        }
        self.fd = fd
        let thread = Thread { [self] in readLoop() }
        thread.name = "ami-\(port)"
        thread.start()
    }

    /// Runs once the reader thread (which holds the client) has seen the socket close.
    deinit {
        Glibc.close(fd)
    }

    /// Closes the connection (the reader thread ends with it).
    public func close() {
        shutdown(fd, Int32(SHUT_RDWR))
    }

    private func readLoop() {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        var sawBanner = false
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            if n <= 0 { break }
            buffer.append(contentsOf: chunk[0..<n])
            state.withLock { $0.bytes += n }
            if !sawBanner, let end = Self.find([13, 10], in: buffer, from: 0) {
                buffer.removeSubrange(0..<(end + 2))
                sawBanner = true
            }
            var start = 0
            while let end = Self.find([13, 10, 13, 10], in: buffer, from: start) {
                let text = String(decoding: buffer[start..<end], as: UTF8.self)
                start = end + 4
                var fields: [String: String] = [:]
                for line in text.split(separator: "\r\n") {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    let value = line[line.index(after: colon)...].drop { $0 == " " }
                    fields[String(line[..<colon])] = String(value)
                }
                let message = Message(fields: fields)
                state.withLock { s in
                    if message.event == nil, let id = fields["ActionID"] { s.responses[id] = message } else { s.events.append(message) }
                }
            }
            if start > 0 { buffer.removeSubrange(0..<start) }
        }
        state.withLock { $0.closed = true }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard haystack.count >= needle.count, from <= haystack.count - needle.count else { return nil }
        var i = from
        while i <= haystack.count - needle.count {
            if haystack[i] == needle[0] && Array(haystack[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }

    /// Sends an action and waits for its response (not for the events it causes).
    @discardableResult
    public func action(_ fields: KeyValuePairs<String, String>, timeout: Duration = .seconds(10)) async throws -> Message {
        let id = "t\(counter.add(1, ordering: .relaxed).newValue)"
        var text = ""
        for (key, value) in fields { text += "\(key): \(value)\r\n" }
        text += "ActionID: \(id)\r\n\r\n"
        let bytes = Array(text.utf8)
        let sent = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == bytes.count else { throw SystemError("send(AMI)", errno: errno) }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let reply = state.withLock({ $0.responses.removeValue(forKey: id) }) { return reply }
            if state.withLock({ $0.closed }) { throw Failure(description: "AMI closed while waiting for \(fields.first?.value ?? "")") }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw Failure(description: "no AMI response to \(fields.first?.value ?? "") within \(timeout)")
    }

    /// Every event so far, in arrival order.
    public var events: [Message] { state.withLock { $0.events } }

    /// Waits until an event satisfies `match`; returns it.
    @discardableResult
    public func waitForEvent(timeout: Duration = .seconds(30), after index: Int = 0, _ match: (Message) -> Bool) async throws -> Message {
        let deadline = ContinuousClock.now + timeout
        var seen = index
        while ContinuousClock.now < deadline {
            let new = state.withLock { s in seen < s.events.count ? Array(s.events[seen...]) : [] }
            if let hit = new.first(where: match) { return hit }
            seen += new.count
            try await Task.sleep(for: .milliseconds(10))
        }
        throw Failure(description: "no matching AMI event within \(timeout)")
    }
}
