import Foundation
import HTTPServer
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

    /// A UDP port (SIP).
    public static func freeUDP(address: String = "127.0.0.1") throws -> Int { try free(SOCK_DGRAM, address: address) }
}
