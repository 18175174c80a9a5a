/// A fully received request as handlers see it: head, whole body, route parameters and a
/// typed storage that middleware use to hand values (identity, tenant) to handlers.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// The request target exactly as sent (origin form).
    public var target: String
    /// The path part of the target, still percent-encoded.
    public var path: String
    /// The query part of the target without `?`, still percent-encoded.
    public var query: String?
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// Values captured by `{name}` segments of the matched route, percent-decoded.
    public var parameters: [String: String] = [:]
    /// The matched route's template, e.g. `/api/v1/tenants/{tenantId}`, for logs and metrics.
    public var routeTemplate: String?
    /// The client's sane `X-Request-Id`, or one made by the server.
    public var requestID: String
    public var remoteAddress: String
    public var storage = RequestStorage()
    /// Where the body went when the route's head gate streamed it (then `body` is empty).
    public var bodySink: (any HTTPBodySink)?

    public init(
        method: HTTPMethod, target: String, version: HTTPVersion = .http1_1,
        headers: HTTPHeaders = [:], body: [UInt8] = [], requestID: String = RequestID.generate(),
        remoteAddress: String = "-"
    ) {
        self.method = method
        self.target = target
        if let q = target.firstIndex(of: "?") {
            path = String(target[..<q])
            query = String(target[target.index(after: q)...])
        } else {
            path = target
            query = nil
        }
        self.version = version
        self.headers = headers
        self.body = body
        self.requestID = requestID
        self.remoteAddress = remoteAddress
    }

    /// A required route parameter; throws 404 when the route has no such parameter.
    public func parameter(_ name: String) throws -> String {
        guard let value = parameters[name] else { throw HTTPError(.notFound) }
        return value
    }

    /// Query items, percent-decoded, in order (`+` is a space, as in forms).
    public var queryItems: [(name: String, value: String)] {
        guard let query, !query.isEmpty else { return [] }
        return query.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = PercentDecoding.decode(String(parts[0]), plusIsSpace: true) ?? String(parts[0])
            let raw = parts.count > 1 ? String(parts[1]) : ""
            return (name, PercentDecoding.decode(raw, plusIsSpace: true) ?? raw)
        }
    }

    /// The first value of a query item: the same answer as searching `queryItems`, found
    /// without decoding the items before it, nor building any other.
    public func queryValue(_ name: String) -> String? {
        guard let query, !query.isEmpty else { return nil }
        for pair in query.utf8.split(separator: UInt8(ascii: "&")) {
            let equals = pair.firstIndex(of: UInt8(ascii: "=")) ?? pair.endIndex
            let rawName = Substring(pair[pair.startIndex..<equals])
            let plainName = !rawName.utf8.contains { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }
            if plainName ? !rawName.utf8.elementsEqual(name.utf8) : (PercentDecoding.decode(String(rawName), plusIsSpace: true) ?? String(rawName)) != name {
                continue
            }
            guard equals < pair.endIndex else { return "" }
            let raw = String(Substring(pair[query.utf8.index(after: equals)..<pair.endIndex]))
            return PercentDecoding.decode(raw, plusIsSpace: true) ?? raw
        }
        return nil
    }
}

/// Typed per-request storage: a key type names both the slot and the value's type.
public struct RequestStorage: Sendable {
    private var values: [ObjectIdentifier: any Sendable] = [:]
    public init() {}

    public subscript<Key: RequestStorageKey>(_ key: Key.Type) -> Key.Value? {
        get { values[ObjectIdentifier(key)] as? Key.Value }
        set { values[ObjectIdentifier(key)] = newValue }
    }
}

public protocol RequestStorageKey {
    associatedtype Value: Sendable
}

enum PercentDecoding {
    /// Decodes `%XX` escapes; nil when an escape is malformed or the result is not UTF-8.
    static func decode(_ string: String, plusIsSpace: Bool = false) -> String? {
        if !string.utf8.contains(where: { $0 == UInt8(ascii: "%") || (plusIsSpace && $0 == UInt8(ascii: "+")) }) {
            return string
        }
        var out: [UInt8] = []
        out.reserveCapacity(string.utf8.count)
        var it = string.utf8.makeIterator()
        while let byte = it.next() {
            if byte == UInt8(ascii: "%") {
                guard let h = it.next(), let l = it.next(), let hv = hexValue(h), let lv = hexValue(l) else { return nil }
                out.append(hv << 4 | lv)
            } else if plusIsSpace && byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else {
                out.append(byte)
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
