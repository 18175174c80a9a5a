public import Foundation

/// A Swift value that can be sent as a bind parameter (in PostgreSQL's text format).
public protocol PostgresEncodable: Sendable {
    var postgresBind: PostgresBind { get }
}

extension Int: PostgresEncodable {
    public var postgresBind: PostgresBind { PostgresBind(text: String(self), oid: PostgresOID.int8) }
}
extension Int32: PostgresEncodable {
    public var postgresBind: PostgresBind { PostgresBind(text: String(self), oid: PostgresOID.int4) }
}
extension Int64: PostgresEncodable {
    public var postgresBind: PostgresBind { PostgresBind(text: String(self), oid: PostgresOID.int8) }
}
extension Bool: PostgresEncodable {
    public var postgresBind: PostgresBind { PostgresBind(text: self ? "t" : "f", oid: PostgresOID.bool) }
}
extension String: PostgresEncodable {
    /// Sent untyped so that it fits text, varchar, citext and enum columns alike.
    public var postgresBind: PostgresBind { PostgresBind(text: self, oid: 0) }
}
extension Substring: PostgresEncodable {
    public var postgresBind: PostgresBind { String(self).postgresBind }
}
extension Double: PostgresEncodable {
    public var postgresBind: PostgresBind {
        let text = isNaN ? "NaN" : isInfinite ? (self > 0 ? "Infinity" : "-Infinity") : "\(self)"
        return PostgresBind(text: text, oid: PostgresOID.float8)
    }
}
extension Decimal: PostgresEncodable {
    public var postgresBind: PostgresBind { PostgresBind(text: "\(self)", oid: PostgresOID.numeric) }
}
extension UUID: PostgresEncodable {
    public var postgresBind: PostgresBind { PostgresBind(text: uuidString.lowercased(), oid: PostgresOID.uuid) }
}
extension Date: PostgresEncodable {
    public var postgresBind: PostgresBind { PostgresBind(text: PostgresTimestamp.format(self), oid: PostgresOID.timestamptz) }
}
extension Array: PostgresEncodable where Element: PostgresArrayElement {
    public var postgresBind: PostgresBind {
        let items = map { $0.arrayLiteralElement }
        return PostgresBind(text: "{" + items.joined(separator: ",") + "}", oid: Element.arrayOID)
    }
}

/// Raw bytes, sent and received as `bytea`.
public struct PostgresBytes: PostgresEncodable, Equatable, Hashable {
    public var bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public var postgresBind: PostgresBind {
        let hex = "0123456789abcdef".utf8.map { $0 }
        var out = [UInt8]("\\x".utf8)
        out.reserveCapacity(2 + bytes.count * 2)
        for b in bytes {
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 15)])
        }
        return PostgresBind(text: String(decoding: out, as: UTF8.self), oid: PostgresOID.bytea)
    }
}

/// JSON text sent as `jsonb`; build it from any `Encodable`.
public struct PostgresJSON: PostgresEncodable, Equatable {
    public var text: String
    public init(text: String) { self.text = text }
    public init(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        text = String(decoding: try encoder.encode(value), as: UTF8.self)
    }
    public var postgresBind: PostgresBind { PostgresBind(text: text, oid: PostgresOID.jsonb) }

    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(type, from: Data(text.utf8))
    }
}

/// A calendar date without time or zone (`date`).
public struct PostgresDate: PostgresEncodable, Equatable, Hashable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int
    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }
    public var description: String {
        func pad(_ n: Int, _ w: Int) -> String { let s = String(n); return String(repeating: "0", count: max(0, w - s.count)) + s }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }
    public var postgresBind: PostgresBind { PostgresBind(text: description, oid: PostgresOID.date) }
    public static func < (a: Self, b: Self) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }
}

/// Element types that can travel inside a PostgreSQL array literal.
public protocol PostgresArrayElement: Sendable {
    static var arrayOID: UInt32 { get }
    var arrayLiteralElement: String { get }
}
extension String: PostgresArrayElement {
    public static var arrayOID: UInt32 { PostgresOID.textArray }
    public var arrayLiteralElement: String {
        "\"" + replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
extension Int: PostgresArrayElement {
    public static var arrayOID: UInt32 { PostgresOID.int8Array }
    public var arrayLiteralElement: String { String(self) }
}
extension UUID: PostgresArrayElement {
    public static var arrayOID: UInt32 { 2951 }
    public var arrayLiteralElement: String { uuidString.lowercased() }
}
