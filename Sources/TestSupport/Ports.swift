import Foundation
import HTTPServer
import Synchronization
#if canImport(Glibc)
public import Glibc
#endif

/// Free loopback ports for servers that tests start (PostgreSQL, agents, Asterisk, SIPp).
public enum Ports {
    /// A port nothing listens on right now for `type` (`SOCK_STREAM` or `SOCK_DGRAM`) on
    /// `address`, as the kernel hands it out for port 0.
    public static func free(_ type: __socket_type = SOCK_STREAM, address: String = "127.0.0.1") throws -> Int {
        let fd = socket(AF_INET, Int32(type.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket", errno: errno) }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr(address)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw SystemError("bind(\(address))", errno: errno) }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// A UDP port for a SIP peer, from 10000–31999 (below the kernel's ephemeral range, so
    /// outgoing sockets never take it, and apart from test Asterisk instances' media ports,
    /// 40000–49999) and never handed out twice by this process: dozens of SIPp processes start
    /// at once, and a port the kernel offered for 0 could be offered again before the first
    /// SIPp bound it. Ports come in blocks of four, all free: SIPp's media port `-mp` also
    /// binds the ports after it (RTCP and video).
    public static func freeUDP(address: String = "127.0.0.1") throws -> Int {
        for _ in 0..<200 {
            let port = Int.random(in: 2_500..<8_000) * 4
            let fresh = handedOut.withLock { $0.insert("\(address):\(port)").inserted }
            if fresh, (port..<port + 4).allSatisfy({ canBind($0, address: address) }) { return port }
        }
        return try free(SOCK_DGRAM, address: address)
    }

    private static let handedOut = Mutex(Set<String>())

    static func canBind(_ port: Int, address: String) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr(address)
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}
