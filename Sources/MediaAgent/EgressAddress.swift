#if canImport(Glibc)
import Glibc
#endif

/// An IP address as the resolver returned it (4 or 16 bytes), with the one question the egress
/// proxy asks of it: is it a public unicast address? Checked on the bytes a connection would
/// use, after DNS, so no spelling of a host (a name resolving to 127.0.0.1, `2130706433`,
/// `::ffff:10.0.0.1`) gets past it.
struct EgressAddress: Equatable, Hashable, Sendable, CustomStringConvertible {
    let bytes: [UInt8]

    init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// A literal IPv4 dotted quad or IPv6 address (no brackets), as `inet_pton` reads it.
    init?(literal: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, literal, &v4) == 1 {
            self.bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, literal, &v6) == 1 {
            self.bytes = withUnsafeBytes(of: &v6) { Array($0) }
            return
        }
        return nil
    }

    var isIPv4: Bool { bytes.count == 4 }

    var description: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let family = isIPv4 ? AF_INET : AF_INET6
        let ok = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &text, socklen_t(text.count)) } != nil
        return ok ? String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
    }

    /// The IPv4 address an IPv6 one carries (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`,
    /// NAT64 `64:ff9b::a.b.c.d`, 6to4 `2002:aabb:ccdd::`): judged as that IPv4 address.
    var embeddedIPv4: EgressAddress? {
        guard !isIPv4 else { return nil }
        let b = bytes
        if b[0..<10].allSatisfy({ $0 == 0 }) && ((b[10] == 0xFF && b[11] == 0xFF) || (b[10] == 0 && b[11] == 0)) {
            return EgressAddress(bytes: Array(b[12..<16]))
        }
        if b[0..<12] == [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0][...] { return EgressAddress(bytes: Array(b[12..<16])) }
        if b[0] == 0x20 && b[1] == 0x02 { return EgressAddress(bytes: Array(b[2..<6])) }
        return nil
    }

    /// Not private, loopback, link-local (cloud metadata at 169.254.169.254), shared (CGNAT),
    /// multicast, reserved, documentation or unspecified.
    var isPublic: Bool {
        if let v4 = embeddedIPv4 { return v4.isPublic }
        if isIPv4 { return !Self.blockedIPv4.contains { $0.contains(self) } }
        // Only global unicast (2000::/3) is public, less the special ranges inside it.
        guard bytes[0] & 0xE0 == 0x20 else { return false }
        return !Self.blockedIPv6.contains { $0.contains(self) }
    }

    static let blockedIPv4: [EgressNetwork] = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24",
        "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
    ].compactMap { EgressNetwork(cidr: $0) }

    static let blockedIPv6: [EgressNetwork] = [
        "2001::/32", "2001:2::/48", "2001:10::/28", "2001:20::/28", "2001:db8::/32", "3fff::/20",
    ].compactMap { EgressNetwork(cidr: $0) }
}

/// An address block (`10.0.0.0/8`, `fd00::/8`, or one address, `192.168.1.20`).
struct EgressNetwork: Equatable, Sendable, CustomStringConvertible {
    let base: EgressAddress
    let prefix: Int

    init?(cidr: String) {
        let parts = cidr.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let base = EgressAddress(literal: String(parts[0])) else { return nil }
        let bits = base.bytes.count * 8
        if parts.count == 2 {
            guard parts[1].count <= 3, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let p = Int(parts[1]), p <= bits else { return nil }
            prefix = p
        } else {
            prefix = bits
        }
        self.base = base
    }

    var description: String { "\(base)/\(prefix)" }

    /// Whether `address` lies in this block; an IPv4 block also holds the IPv6 forms of its
    /// addresses (mapped, NAT64, 6to4).
    func contains(_ address: EgressAddress) -> Bool {
        let candidate = base.isIPv4 && !address.isIPv4 ? address.embeddedIPv4 : address
        guard let candidate, candidate.bytes.count == base.bytes.count else { return false }
        var left = prefix
        for (a, b) in zip(candidate.bytes, base.bytes) where left > 0 {
            let mask: UInt8 = left >= 8 ? 0xFF : ~(0xFF >> UInt8(left))
            if a & mask != b & mask { return false }
            left -= 8
        }
        return true
    }
}
