import Foundation
import HTTPServer
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A reader of the Asterisk Manager Interface event stream: logs in, reads `Key: Value` blocks
/// separated by a blank line, hands every event to `onEvent`, and reconnects with backoff when
/// the connection drops. Runs on a thread of its own (blocking socket, 1 s read timeout so
/// `stop()` is noticed).
final class AMIEventReader: Sendable {
    struct Settings: Sendable {
        var host: String
        var port: Int
        var username: String
        var secret: String
    }

    let settings: Settings
    let logger: Logger
    let onEvent: @Sendable ([String: String]) -> Void
    private let stopped = Mutex(false)

    init(settings: Settings, logger: Logger, onEvent: @escaping @Sendable ([String: String]) -> Void) {
        self.settings = settings
        self.logger = logger
        self.onEvent = onEvent
    }

    func start() {
        let thread = Thread { [self] in self.loop() }
        thread.name = "ami-reader"
        thread.start()
    }

    func stop() { stopped.withLock { $0 = true } }

    private var isStopped: Bool { stopped.withLock { $0 } }

    private func loop() {
        var backoff = 0.2
        while !isStopped {
            do {
                try session()
                backoff = 0.2
            } catch {
                logger.warning("AMI connection failed; retrying", metadata: ["error": "\(error)", "retryInSeconds": "\(backoff)"])
            }
            if isStopped { break }
            Thread.sleep(forTimeInterval: backoff)
            backoff = min(backoff * 2, 10)
        }
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// One connection: banner, login, then events until it closes.
    private func session() throws {
        let fd = try connect()
        defer { close(fd) }
        var buffer: [UInt8] = []
        // The banner is one line: "Asterisk Call Manager/…".
        while Self.range(of: [13, 10], in: buffer) == nil { guard try read(fd, into: &buffer) else { throw Failure(description: "closed before the banner") } }
        if let end = Self.range(of: [13, 10], in: buffer) { buffer.removeSubrange(0..<(end + 2)) }
        try send(fd, "Action: Login\r\nUsername: \(settings.username)\r\nSecret: \(settings.secret)\r\nEvents: user\r\n\r\n")
        var loggedIn = false
        while !isStopped {
            while let end = Self.range(of: [13, 10, 13, 10], in: buffer) {
                let block = Self.parse(String(decoding: buffer[0..<end], as: UTF8.self))
                buffer.removeSubrange(0..<(end + 4))
                if !loggedIn {
                    guard block["Response"] == "Success" else { throw Failure(description: "login refused: \(block["Message"] ?? "no message")") }
                    loggedIn = true
                    logger.info("AMI logged in", metadata: ["host": "\(settings.host):\(settings.port)"])
                } else if block["Event"] != nil {
                    onEvent(block)
                }
            }
            guard try read(fd, into: &buffer) else { throw Failure(description: "the manager closed the connection") }
        }
    }

    static func parse(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in text.split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return fields
    }

    static func range(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] && Array(haystack[i..<(i + needle.count)]) == needle { return i }
        return nil
    }

    private func connect() throws -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(settings.host, String(settings.port), &hints, &list) == 0, let first = list else {
            throw Failure(description: "cannot resolve \(settings.host)")
        }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket", errno: errno) }
        var tv = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        guard Glibc.connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            let e = errno
            close(fd)
            throw SystemError("connect(\(settings.host):\(settings.port))", errno: e)
        }
        return fd
    }

    /// Reads more bytes; false at end of stream; a timeout just returns true with nothing new.
    private func read(_ fd: Int32, into buffer: inout [UInt8]) throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16384)
        let n = recv(fd, &chunk, chunk.count, 0)
        if n > 0 { buffer += chunk[0..<n]; return true }
        if n == 0 { return false }
        if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return !isStopped }
        throw SystemError("recv", errno: errno)
    }

    private func send(_ fd: Int32, _ text: String) throws {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw SystemError("send", errno: errno) }
            offset += n
        }
    }
}
