/// A statement and its parameters. Built by string interpolation, every interpolated value
/// becomes a `$n` bind parameter; SQL text can only be spliced in with the deliberately loud
/// `\(unsafeRaw: …)`.
///
///     let q: PostgresQuery = "SELECT name FROM users WHERE id = \(id) AND tenant_id = \(tenant)"
public struct PostgresQuery: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public var sql: String
    public var binds: [PostgresBind]

    public init(unsafeSQL sql: String, binds: [PostgresBind] = []) {
        self.sql = sql
        self.binds = binds
    }

    public init(stringLiteral value: String) {
        sql = value
        binds = []
    }

    public init(stringInterpolation: StringInterpolation) {
        sql = stringInterpolation.sql
        binds = stringInterpolation.binds
    }

    public var description: String { sql }

    /// Appends another query, renumbering its parameters.
    public mutating func append(_ other: PostgresQuery) {
        sql += PostgresQuery.renumber(other.sql, offset: binds.count)
        binds += other.binds
    }

    /// `$n` → `$(n + offset)` for every parameter reference.
    static func renumber(_ sql: String, offset: Int) -> String {
        guard offset > 0 else { return sql }
        var out = ""
        var chars = sql.makeIterator()
        var pending: Character? = chars.next()
        while let c = pending {
            pending = chars.next()
            guard c == "$", let d = pending, d.isASCII, d.isNumber else {
                out.append(c)
                continue
            }
            var digits = ""
            while let n = pending, n.isASCII, n.isNumber {
                digits.append(n)
                pending = chars.next()
            }
            out += "$\((Int(digits) ?? 0) + offset)"
        }
        return out
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        var sql = ""
        var binds: [PostgresBind] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
        }

        public mutating func appendLiteral(_ literal: String) { sql += literal }

        public mutating func appendInterpolation(_ value: some PostgresEncodable) {
            binds.append(value.postgresBind)
            sql += "$\(binds.count)"
        }

        public mutating func appendInterpolation(_ value: (some PostgresEncodable)?) {
            binds.append(value?.postgresBind ?? .null)
            sql += "$\(binds.count)"
        }

        /// Splices SQL text in as is. Never pass user input.
        public mutating func appendInterpolation(unsafeRaw text: String) { sql += text }

        /// Splices a query, renumbering its parameters after the ones already bound.
        public mutating func appendInterpolation(fragment: PostgresQuery) {
            sql += PostgresQuery.renumber(fragment.sql, offset: binds.count)
            binds += fragment.binds
        }
    }
}

/// One parameter in text form with its type OID (0 lets the server infer it).
public struct PostgresBind: Sendable, Equatable {
    public var text: String?
    public var oid: UInt32

    public init(text: String?, oid: UInt32) {
        self.text = text
        self.oid = oid
    }

    public static let null = PostgresBind(text: nil, oid: 0)
}
