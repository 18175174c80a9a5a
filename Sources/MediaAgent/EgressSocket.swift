import HTTPServer
#if canImport(Glibc)
import Glibc
#endif

/// A non-blocking TCP socket of the egress proxy whose every wait is bounded by one deadline:
/// the exchange it belongs to, not each read, has the time limit (a server that trickles a
/// byte a second cannot keep the call waiting).
final class EgressSocket: @unchecked Sendable {
    struct TimedOut: Error, CustomStringConvertible { var description: String { "timed out" } }

    let fd: Int32
    let deadline: ContinuousClock.Instant
    private var closed = false

    init(fd: Int32, deadline: ContinuousClock.Instant) {
        self.fd = fd
        self.deadline = deadline
        let flags = fcntl(fd, F_GETFL, 0)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
    }

    deinit { close() }

    func close() {
        guard !closed else { return }
        closed = true
        _ = Glibc.close(fd)
    }

    /// Connects to exactly this address (no second lookup: what was checked is what is used).
    static func connect(to address: EgressAddress, port: Int, deadline: ContinuousClock.Instant) throws -> EgressSocket {
        var storage = sockaddr_storage()
        let length: socklen_t
        if address.isIPv4 {
            length = withUnsafeMutableBytes(of: &storage) { raw in
                let sin = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self)
                sin.pointee.sin_family = sa_family_t(AF_INET)
                sin.pointee.sin_port = in_port_t(UInt16(port).bigEndian)
                withUnsafeMutableBytes(of: &sin.pointee.sin_addr) { $0.copyBytes(from: address.bytes) }
                return socklen_t(MemoryLayout<sockaddr_in>.size)
            }
        } else {
            length = withUnsafeMutableBytes(of: &storage) { raw in
                let sin6 = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self)
                sin6.pointee.sin6_family = sa_family_t(AF_INET6)
                sin6.pointee.sin6_port = in_port_t(UInt16(port).bigEndian)
                withUnsafeMutableBytes(of: &sin6.pointee.sin6_addr) { $0.copyBytes(from: address.bytes) }
                return socklen_t(MemoryLayout<sockaddr_in6>.size)
            }
        }
        let fd = socket(address.isIPv4 ? AF_INET : AF_INET6, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket", errno: errno) }
        let s = EgressSocket(fd: fd, deadline: deadline)
        let rc = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) } }
        if rc != 0 {
            guard errno == EINPROGRESS else { throw SystemError("connect \(address)", errno: errno) }
            try s.wait(for: Int16(POLLOUT))
            var error: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size)
            if error != 0 { throw SystemError("connect \(address)", errno: error) }
        }
        return s
    }

    /// Waits until the socket is ready for `events`, or throws when the deadline passes.
    func wait(for events: Int16) throws {
        while true {
            let left = deadline - .now
            guard left > .zero else { throw TimedOut() }
            let ms = Int32(min(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1, 60_000))
            var p = pollfd(fd: fd, events: events, revents: 0)
            let n = poll(&p, 1, ms)
            if n > 0 { return }
            if n < 0 && errno != EINTR { throw SystemError("poll", errno: errno) }
        }
    }

    /// Up to `max` bytes; empty at end of stream.
    func read(max: Int = 16 * 1024) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: max)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n >= 0 { return Array(buffer.prefix(n)) }
            if errno == EINTR { continue }
            guard errno == EAGAIN || errno == EWOULDBLOCK else { throw SystemError("recv", errno: errno) }
            try wait(for: Int16(POLLIN))
        }
    }

    /// Bytes available now without waiting (nil: none yet; empty: end of stream).
    func readNow(max: Int = 16 * 1024) throws -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: max)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n >= 0 { return Array(buffer.prefix(n)) }
        if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return nil }
        throw SystemError("recv", errno: errno)
    }

    func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n > 0 { offset += n; continue }
            if n < 0 && errno == EINTR { continue }
            guard n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) else { throw SystemError("send", errno: errno) }
            try wait(for: Int16(POLLOUT))
        }
    }

    /// The addresses `host` resolves to (one lookup; the caller connects to these).
    static func resolve(_ host: String) throws -> [EgressAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0 else { throw SystemError("cannot resolve \(host)", errno: status == EAI_SYSTEM ? errno : EHOSTUNREACH) }
        defer { freeaddrinfo(list) }
        var found: [EgressAddress] = []
        var next = list
        while let entry = next {
            let info = entry.pointee
            if info.ai_family == AF_INET, let sa = info.ai_addr {
                let bytes = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { p in withUnsafeBytes(of: p.pointee.sin_addr) { Array($0) } }
                if let a = EgressAddress(bytes: bytes), !found.contains(a) { found.append(a) }
            } else if info.ai_family == AF_INET6, let sa = info.ai_addr {
                let bytes = sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { p in withUnsafeBytes(of: p.pointee.sin6_addr) { Array($0) } }
                if let a = EgressAddress(bytes: bytes), !found.contains(a) { found.append(a) }
            }
            next = info.ai_next
        }
        return found
    }

    /// A listening socket on `host:port` (a literal address; port 0 picks one).
    static func listen(host: String, port: Int) throws -> (fd: Int32, port: Int) {
        guard let address = EgressAddress(literal: host) else { throw SystemError("not an IP address: \(host)", errno: EINVAL) }
        let fd = socket(address.isIPv4 ? AF_INET : AF_INET6, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket", errno: errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let bound: Int32 = withUnsafeMutableBytes(of: &storage) { raw in
            if address.isIPv4 {
                let sin = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self)
                sin.pointee.sin_family = sa_family_t(AF_INET)
                sin.pointee.sin_port = in_port_t(UInt16(port).bigEndian)
                withUnsafeMutableBytes(of: &sin.pointee.sin_addr) { $0.copyBytes(from: address.bytes) }
                return bind(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(MemoryLayout<sockaddr_in>.size))
            }
            let sin6 = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self)
            sin6.pointee.sin6_family = sa_family_t(AF_INET6)
            sin6.pointee.sin6_port = in_port_t(UInt16(port).bigEndian)
            withUnsafeMutableBytes(of: &sin6.pointee.sin6_addr) { $0.copyBytes(from: address.bytes) }
            return bind(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(MemoryLayout<sockaddr_in6>.size))
        }
        guard bound == 0, Glibc.listen(fd, 128) == 0 else {
            let e = errno
            _ = Glibc.close(fd)
            throw SystemError("bind \(host):\(port)", errno: e)
        }
        _ = withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        let actual = withUnsafeBytes(of: &storage) { raw in
            UInt16(bigEndian: raw.baseAddress!.advanced(by: 2).loadUnaligned(as: UInt16.self))
        }
        return (fd, Int(actual))
    }
}
