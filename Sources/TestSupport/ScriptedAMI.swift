import Foundation
public import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A scripted Asterisk Manager peer on loopback: for each connection it sends the banner,
/// expects a login, sends the given blocks, then answers each action with `respond`.
public final class ScriptedAMI: Sendable {
    let fd: Int32
    public let port: Int
    public final class Recorder: Sendable {
        /// The login block.
        public let text = Mutex("")
        /// Every later action, as its `Key: Value` text.
        public let actions = Mutex<[String]>([])
    }
    public let login = Recorder()

    /// - Parameters:
    ///   - blocks: sent right after a successful login.
    ///   - respond: the answer to each later action (by its `Key: Value` text), if any.
    public init(blocks: [String] = [], respond: @escaping @Sendable (String) -> String? = { _ in nil }) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        listen(listener, 16)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &len) } }
        fd = listener
        port = Int(UInt16(bigEndian: addr.sin_port))
        let thread = Thread { [login] in
            while true {
                let client = accept(listener, nil, nil)
                guard client >= 0 else { return }
                // Each connection on its own thread: the event reader keeps one open while
                // commands come on others.
                Thread { Self.serve(client, login: login, blocks: blocks, respond: respond) }.start()
            }
        }
        thread.start()
    }

    deinit { close(fd) }

    private static func serve(_ client: Int32, login: Recorder, blocks: [String], respond: @Sendable (String) -> String?) {
        func send(_ s: String) { _ = s.withCString { Glibc.send(client, $0, strlen($0), Int32(MSG_NOSIGNAL)) } }
        send("Asterisk Call Manager/9.0.0\r\n")
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !String(decoding: received, as: UTF8.self).contains("\r\n\r\n") {
            let n = recv(client, &chunk, chunk.count, 0)
            if n <= 0 { break }
            received += chunk[0..<n]
        }
        login.text.withLock { $0 = String(decoding: received, as: UTF8.self) }
        send("Response: Success\r\nMessage: Authentication accepted\r\n\r\n")
        for block in blocks { send(block) }
        received = []
        while true {
            while let range = String(decoding: received, as: UTF8.self).range(of: "\r\n\r\n") {
                let text = String(decoding: received, as: UTF8.self)
                let action = String(text[..<range.lowerBound])
                received = Array(text[range.upperBound...].utf8)
                login.actions.withLock { $0.append(action) }
                if let reply = respond(action) { send(reply) }
            }
            let n = recv(client, &chunk, chunk.count, 0)
            if n <= 0 { break }
            received += chunk[0..<n]
        }
        close(client)
    }
}

