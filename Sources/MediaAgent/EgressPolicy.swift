/// Where a call's outbound HTTP (HTTP notifications, caller-name lookups) may go: public
/// addresses on ports 80 and 443, plus what the operator allow-lists (a private CRM). The
/// dial plan sends every `CURL()` through the agent's egress proxy, which asks this of the
/// addresses a host resolved to — every one of them, before connecting to any.
public struct EgressSettings: Sendable {
    /// Where the proxy listens (loopback: only Asterisk on this node uses it).
    public var host: String
    public var port: Int
    /// Operator exceptions: `host-or-CIDR[:port]`.
    public var allow: [EgressAllowance]
    /// The whole exchange (resolve, connect, request, response or tunnel) must end within this.
    public var timeout: Double
    /// Most bytes a response (or a tunnel, each way) may carry.
    public var maxBytes: Int
    /// Connections served at once; more are answered 503.
    public var maxConnections = 64

    public init(host: String = "127.0.0.1", port: Int = 8091, allow: [EgressAllowance] = [], timeout: Double = 10, maxBytes: Int = 1 << 20) {
        self.host = host
        self.port = port
        self.allow = allow
        self.timeout = timeout
        self.maxBytes = maxBytes
    }
}

/// One allow-list entry: a host name (exactly that name, whatever it resolves to) or an address
/// block, on one port or, without one, on 80 and 443. `crm.office.lan`, `10.20.0.0/16:8080`,
/// `192.168.1.20`, `[fd00::5]:8443`.
public struct EgressAllowance: Sendable, Equatable, CustomStringConvertible {
    enum Target: Sendable, Equatable {
        case name(String)
        case network(EgressNetwork)
    }

    let target: Target
    let port: Int?

    public var description: String {
        let what = switch target {
        case .name(let name): name
        case .network(let network): network.description
        }
        return port.map { "\(what):\($0)" } ?? what
    }

    /// Reads an entry; nil when it is neither a host name nor an address block.
    public init?(_ text: String) {
        var rest = Substring(text.lowercased())
        var port: Int?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let p = Self.port(after.dropFirst()) else { return nil }
                port = p
            }
            rest = rest[rest.index(after: rest.startIndex)..<close]
        } else if rest.filter({ $0 == ":" }).count == 1, let colon = rest.firstIndex(of: ":") {
            guard let p = Self.port(rest[rest.index(after: colon)...]) else { return nil }
            port = p
            rest = rest[..<colon]
        }
        self.port = port
        if let network = EgressNetwork(cidr: String(rest)) {
            target = .network(network)
        } else if EgressPolicy.isHostName(rest) {
            target = .name(String(rest.hasSuffix(".") ? rest.dropLast() : rest))
        } else {
            return nil
        }
    }

    private static func port(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 5, text.allSatisfy({ $0.isASCII && $0.isNumber }), let p = Int(text), (1...65_535).contains(p) else { return nil }
        return p
    }

    func allows(host: String, address: EgressAddress, port: Int) -> Bool {
        guard self.port.map({ $0 == port }) ?? EgressPolicy.webPorts.contains(port) else { return false }
        switch target {
        case .name(let name): return host == name
        case .network(let network): return network.contains(address)
        }
    }
}

/// The decision itself, free of sockets so that tests can walk every case.
struct EgressPolicy: Sendable {
    static let webPorts: Set<Int> = [80, 443]
    let allow: [EgressAllowance]

    /// Why a connection to `host:port` at `addresses` is refused, or nil when every address may
    /// be used. `host` is the lowercased name the client asked for.
    func refusal(host: String, port: Int, addresses: [EgressAddress]) -> String? {
        guard !addresses.isEmpty else { return "\(host) has no address" }
        for address in addresses {
            if allow.contains(where: { $0.allows(host: host, address: address, port: port) }) { continue }
            if !address.isPublic { return "\(host) resolves to \(address), which is not a public address" }
            if !Self.webPorts.contains(port) { return "port \(port) is not 80 or 443" }
        }
        return nil
    }

    /// Whether any request to `port` could be allowed (checked before a name is looked up).
    func mayUse(port: Int) -> Bool {
        Self.webPorts.contains(port) || allow.contains { $0.port == port }
    }

    /// Letters, digits, hyphens and dots, as DNS names are written; also what an IPv4 literal
    /// looks like (those resolve to themselves and are judged as addresses).
    static func isHostName(_ text: Substring) -> Bool {
        !text.isEmpty && text.count <= 253
            && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }
            && !text.hasPrefix(".") && !text.hasPrefix("-")
    }
}
