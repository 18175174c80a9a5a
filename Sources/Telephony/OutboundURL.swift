/// The check an address for an outbound HTTP request from a call (HTTP notifications,
/// caller-name lookups) must pass when it is saved: it must name a public web host.
///
/// This is the first line against server-side request forgery: a tenant must not make the
/// media node call the media agent (`127.0.0.1:8090`), the cloud metadata service
/// (`169.254.169.254`), the database (`localhost:5432`) or anything on a private network.
/// Literal addresses are refused whatever their spelling — dotted, a single decimal
/// (`2130706433`), hexadecimal (`0x7f000001`), octal (`0177.0.0.1`), short (`127.1`),
/// IPv6 — as are internal names and user information (`user@127.0.0.1`). What a public-looking
/// name resolves to can only be checked when the request is made, after DNS, by the egress
/// proxy; this pure function cannot do that.
public enum OutboundURL {
    /// Ports of services that live next to a PBX and have no business receiving a web hook.
    public static let internalPorts: Set<Int> = [
        0, 22, 23, 25, 53, 110, 111, 135, 139, 143, 445, 465, 587, 993, 995, 2375, 2376, 2379, 3306, 5038, 5060, 5061, 5432,
        5672, 6379, 8088, 8089, 8090, 9000, 9090, 9200, 11211, 15672, 27017,
    ]

    /// Why `text` is not acceptable, or nil when it names a public http(s) host.
    public static func problem(_ text: String) -> String? {
        let lower = text.lowercased()
        let rest: Substring
        if lower.hasPrefix("http://") { rest = lower.dropFirst(7) } else if lower.hasPrefix("https://") { rest = lower.dropFirst(8) } else {
            return "must be an http:// or https:// address"
        }
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if authority.contains("@") { return "must not contain a user name or password" }
        if authority.contains("\\") || authority.contains("%") || authority.contains("{") || authority.contains("[") {
            return "must name a public host by name"
        }
        var host = Substring(authority)
        if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            let portText = authority[authority.index(after: colon)...]
            guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }), let port = Int(portText),
                  (1...65_535).contains(port) else { return "has a port that is not a number from 1 to 65535" }
            if internalPorts.contains(port) { return "must not use port \(port), which belongs to an internal service" }
        }
        if host.hasSuffix(".") { host = host.dropLast() }
        guard !host.isEmpty, host.count <= 253 else { return "must name a host" }
        guard host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }) else {
            return "must name a host with letters, digits, dots and hyphens only"
        }
        if let address = IPv4Literal.parse(host) {
            if !address.isCanonicalDottedQuad(host) { return "must not spell an address in decimal, octal or hexadecimal" }
            if !address.isPublic { return "must not point at a private, loopback, link-local or reserved address" }
            return nil
        }
        if host.split(separator: ".").last.map({ $0.allSatisfy { $0.isNumber } || $0.hasPrefix("0x") }) == true {
            return "must not spell an address in decimal, octal or hexadecimal"
        }
        let internalNames = ["localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", "metadata", "metadata.google.internal"]
        let internalSuffixes = [".localhost", ".local", ".internal", ".localdomain", ".lan", ".home.arpa", ".intranet", ".corp"]
        if internalNames.contains(String(host)) || internalSuffixes.contains(where: { host.hasSuffix($0) }) || !host.contains(".") {
            return "must name a public host, not an internal one"
        }
        return nil
    }
}

/// An IPv4 address as `inet_aton` reads it (1 to 4 parts, each decimal, octal with a leading
/// 0, or hexadecimal with 0x), which is how HTTP clients resolve numeric host names.
struct IPv4Literal: Equatable {
    let value: UInt32

    static func parse(_ host: Substring) -> IPv4Literal? {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...4).contains(parts.count) else { return nil }
        var numbers: [UInt64] = []
        for part in parts {
            guard !part.isEmpty else { return nil }
            let (digits, radix): (Substring, Int) = part.hasPrefix("0x") ? (part.dropFirst(2), 16) : part.count > 1 && part.hasPrefix("0") ? (part.dropFirst(), 8) : (part, 10)
            if digits.isEmpty && radix == 16 { numbers.append(0); continue }
            guard digits.count <= 12, let n = UInt64(digits, radix: radix) else { return nil }
            numbers.append(n)
        }
        // The last part fills the bytes the earlier ones did not.
        let leading = numbers.dropLast()
        guard leading.allSatisfy({ $0 <= 255 }), let last = numbers.last else { return nil }
        let lastBits = UInt64(8 * (4 - leading.count))
        guard last < (UInt64(1) << lastBits) else { return nil }
        var value: UInt64 = 0
        for (i, n) in leading.enumerated() { value |= n << UInt64(24 - 8 * i) }
        value |= last
        return IPv4Literal(value: UInt32(truncatingIfNeeded: value))
    }

    func isCanonicalDottedQuad(_ host: Substring) -> Bool {
        host == "\(value >> 24).\((value >> 16) & 255).\((value >> 8) & 255).\(value & 255)"
    }

    /// Not in any range that is private, loopback, link-local, shared, reserved or special.
    var isPublic: Bool {
        let blocked: [(UInt32, Int)] = [
            (0x0000_0000, 8), (0x0A00_0000, 8), (0x6440_0000, 10), (0x7F00_0000, 8), (0xA9FE_0000, 16), (0xAC10_0000, 12),
            (0xC000_0000, 24), (0xC000_0200, 24), (0xC058_6300, 24), (0xC0A8_0000, 16), (0xC612_0000, 15), (0xC633_6400, 24),
            (0xCB00_7100, 24), (0xE000_0000, 4), (0xF000_0000, 4),
        ]
        return !blocked.contains { network, bits in value >> UInt32(32 - bits) == network >> UInt32(32 - bits) }
    }
}
