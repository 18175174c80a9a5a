import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A TCP proxy on loopback in front of a PostgreSQL unix socket that can cut the connections
/// it carries the way a network fault does: after `sever()`, a connection passes nothing more,
/// and the first bytes its client sends close it (they never reach the server). Connections
/// opened later pass as usual. The client's socket stays quiet until it speaks, so the pool's
/// health check cannot tell — exactly the dead connection the pool must not lose a write to.
final class SeveringProxy: Sendable {
    let port: Int
    private let listener: Int32
    private let severed = Mutex<Set<Int32>>([])
    private let open = Mutex<Set<Int32>>([])

    init(socketPath: String) throws {
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let fd = listener
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        listen(fd, 16)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        port = Int(UInt16(bigEndian: addr.sin_port))
        Thread { [self] in
            while true {
                let client = accept(fd, nil, nil)
                guard client >= 0 else { return }
                guard let server = Self.connectUnix(socketPath) else { close(client); continue }
                open.withLock { $0.insert(client) }
                let pair = Pair()
                Thread { self.pump(from: client, to: server, client: client, pair: pair) }.start()
                Thread { self.pump(from: server, to: client, client: client, pair: pair) }.start()
            }
        }.start()
    }

    /// Every connection open now passes nothing more.
    func sever() {
        let current = open.withLock { $0 }
        severed.withLock { $0.formUnion(current) }
    }

    /// Stops accepting; connections already open close as their peers do.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    /// The two pumps of one connection; the second to finish closes both sockets.
    private final class Pair: Sendable {
        let finished = Mutex(0)
    }

    private func pump(from source: Int32, to destination: Int32, client: Int32, pair: Pair) {
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = recv(source, &buffer, buffer.count, 0)
            if n <= 0 || severed.withLock({ $0.contains(client) }) { break }
            var offset = 0
            while offset < n {
                let sent = buffer.withUnsafeBytes { Glibc.send(destination, $0.baseAddress! + offset, n - offset, Int32(MSG_NOSIGNAL)) }
                if sent <= 0 { break }
                offset += sent
            }
        }
        // Both directions end: the other pump's recv returns; the last one out closes.
        let last = pair.finished.withLock { count -> Bool in
            count += 1
            if count == 1 {
                shutdown(source, Int32(SHUT_RDWR))
                shutdown(destination, Int32(SHUT_RDWR))
            }
            return count == 2
        }
        if last {
            open.withLock { _ = $0.remove(client) }
            severed.withLock { _ = $0.remove(client) }
            close(source)
            close(destination)
        }
    }

    private static func connectUnix(_ path: String) -> Int32? {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8.prefix(107))
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, byte) in bytes.enumerated() { raw[i] = byte }
        }
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        guard rc == 0 else { close(fd); return nil }
        return fd
    }
}
