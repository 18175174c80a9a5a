public import Foundation

/// A Swift type that a column value (text format) decodes into. `oid` is the column's type,
/// so a decoder can refuse a column it does not understand.
public protocol PostgresDecodable: Sendable {
    static func decode(_ text: UnsafeRawBufferPointer, oid: UInt32) -> Self?
    /// What to return for SQL NULL; nil means NULL is not acceptable.
    static var nullValue: Self? { get }
    static var postgresTypeName: String { get }
}

extension PostgresDecodable {
    public static var nullValue: Self? { nil }
    public static var postgresTypeName: String { String(describing: Self.self) }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public static func decode(_ text: UnsafeRawBufferPointer, oid: UInt32) -> Self? {
        Wrapped.decode(text, oid: oid).map { .some($0) }
    }
    public static var nullValue: Self? { .some(.none) }
    public static var postgresTypeName: String { "\(Wrapped.postgresTypeName)?" }
}

private func string(_ text: UnsafeRawBufferPointer) -> String { String(decoding: text, as: UTF8.self) }

extension Int: PostgresDecodable {
    public static func decode(_ text: UnsafeRawBufferPointer, oid: UInt32) -> Int? {
        guard [PostgresOID.int2, PostgresOID.int4, PostgresOID.int8, PostgresOID.oid, PostgresOID.numeric].contains(oid) else { return nil }
        var value = 0
        var negative = false
        var index = 0
        if text.first == UInt8(ascii: "-") { negative = true; index = 1 }
        guard index < text.count else { return nil }
        while index < text.count {
            let b = text[index]
            guard b >= 48 && b <= 57 else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int(b - 48))
            if o1 || o2 { return nil }
            value = a
            index += 1
        }
        return negative ? -value : value
    }
}
extension Int32: PostgresDecodable {
    public static func decode(_ text: UnsafeRawBufferPointer, oid: UInt32) -> Int32? {
        Int.decode(text, oid: oid).flatMap { Int32(exactly: $0) }
    }
}
extension Int64: PostgresDecodable {
    public static func decode(_ text: UnsafeRawBufferPointer, oid: UInt32) -> Int64? {
        Int.decode(text, oid: oid).map { Int64($0) }
    }
}
extension Bool: PostgresDecodable {
    public static func decode(_ text: UnsafeRawBufferPointer, oid: UInt32) -> Bool? {
        guard oid == PostgresOID.bool, text.count == 1 else { return nil }
        return text[0] == UInt8(ascii: "t") ? true : text[0] == UInt8(ascii: "f") ? false : nil
    }
}
extension String: PostgresDecodable {
    /// Any column's text form decodes as a String.
    public static func decode(_ text: UnsafeRawBufferPointer, oid: UInt32) -> String? { string(text) }
}
extension Double: PostgresDecodable {
    public static func decode(_ text: UnsafeRawBufferPointer, oid: UInt32) -> Double? {
        guard [PostgresOID.float4, PostgresOID.float8, PostgresOID.numeric, PostgresOID.int2, PostgresOID.int4, PostgresOID.int8].contains(oid) else { return nil }
        switch string(text) {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        case let s: return Double(s)
        }
    }
}
extension Decimal: PostgresDecodable {
    public static func decode(_ text: UnsafeRawBufferPointer, oid: UInt32) -> Decimal? {
        guard [PostgresOID.numeric, PostgresOID.int2, PostgresOID.int4, PostgresOID.int8].contains(oid) else { return nil }
        return Decimal(string: string(text), locale: Locale(identifier: "en_US_POSIX"))
    }
}
extension UUID: PostgresDecodable {
    public static func decode(_ text: UnsafeRawBufferPointer, oid: UInt32) -> UUID? {
        guard oid == PostgresOID.uuid || oid == PostgresOID.text || oid == PostgresOID.varchar else { return nil }
        return UUID(uuidString: string(text))
    }
}
extension Date: PostgresDecodable {
    public static func decode(_ text: UnsafeRawBufferPointer, oid: UInt32) -> Date? {
        guard oid == PostgresOID.timestamptz || oid == PostgresOID.timestamp else { return nil }
        return PostgresTimestamp.parse(text)
    }
}
extension PostgresDate: PostgresDecodable {
    public static func decode(_ text: UnsafeRawBufferPointer, oid: UInt32) -> PostgresDate? {
        guard oid == PostgresOID.date else { return nil }
        let parts = string(text).split(separator: "-")
        guard parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        return PostgresDate(year: y, month: m, day: d)
    }
}
extension PostgresBytes: PostgresDecodable {
    public static func decode(_ text: UnsafeRawBufferPointer, oid: UInt32) -> PostgresBytes? {
        guard oid == PostgresOID.bytea, text.count >= 2, text[0] == UInt8(ascii: "\\"), text[1] == UInt8(ascii: "x"),
              text.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity((text.count - 2) / 2)
        var i = 2
        while i < text.count {
            guard let h = hex(text[i]), let l = hex(text[i + 1]) else { return nil }
            out.append(h << 4 | l)
            i += 2
        }
        return PostgresBytes(out)
    }
    private static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case 48...57: b - 48
        case 97...102: b - 87
        case 65...70: b - 55
        default: nil
        }
    }
}
extension PostgresJSON: PostgresDecodable {
    public static func decode(_ text: UnsafeRawBufferPointer, oid: UInt32) -> PostgresJSON? {
        guard oid == PostgresOID.jsonb || oid == PostgresOID.json else { return nil }
        return PostgresJSON(text: string(text))
    }
}
extension Array: PostgresDecodable where Element: PostgresArrayDecodable {
    public static func decode(_ text: UnsafeRawBufferPointer, oid: UInt32) -> [Element]? {
        guard Element.acceptedArrayOIDs.contains(oid), let items = PostgresArrayLiteral.parse(string(text)) else { return nil }
        var result: [Element] = []
        result.reserveCapacity(items.count)
        for item in items {
            guard let item, let value = Element.fromArrayElement(item) else { return nil }
            result.append(value)
        }
        return result
    }
}

/// Element types that can be read out of a one-dimensional array column.
public protocol PostgresArrayDecodable: Sendable {
    static var acceptedArrayOIDs: [UInt32] { get }
    static func fromArrayElement(_ text: String) -> Self?
}
extension String: PostgresArrayDecodable {
    public static var acceptedArrayOIDs: [UInt32] { [PostgresOID.textArray, PostgresOID.varcharArray] }
    public static func fromArrayElement(_ text: String) -> String? { text }
}
extension Int: PostgresArrayDecodable {
    public static var acceptedArrayOIDs: [UInt32] { [PostgresOID.int2Array, PostgresOID.int4Array, PostgresOID.int8Array] }
    public static func fromArrayElement(_ text: String) -> Int? { Int(text) }
}

/// Parses the text form of a one-dimensional array: `{a,"b c",NULL}`.
enum PostgresArrayLiteral {
    static func parse(_ text: String) -> [String?]? {
        var chars = Array(text.unicodeScalars)
        guard chars.first == "{", chars.last == "}" else { return nil }
        chars = Array(chars.dropFirst().dropLast())
        if chars.isEmpty { return [] }
        var items: [String?] = []
        var i = 0
        while i <= chars.count {
            if i < chars.count && chars[i] == "\"" {
                var item = String.UnicodeScalarView()
                i += 1
                while i < chars.count && chars[i] != "\"" {
                    if chars[i] == "\\" { i += 1 }
                    guard i < chars.count else { return nil }
                    item.append(chars[i])
                    i += 1
                }
                guard i < chars.count else { return nil }
                i += 1
                items.append(String(item))
            } else {
                var item = String.UnicodeScalarView()
                while i < chars.count && chars[i] != "," {
                    item.append(chars[i])
                    i += 1
                }
                let s = String(item)
                items.append(s == "NULL" ? nil : s)
            }
            guard i == chars.count || chars[i] == "," else { return nil }
            i += 1
        }
        return items
    }
}

/// `timestamptz` text form, in UTC (every connection sets `TimeZone = 'UTC'`).
public enum PostgresTimestamp {
    public static func format(_ date: Date) -> String {
        let micros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        let seconds = Int((micros / 1_000_000).rounded(.down))
        let fraction = Int(micros) - seconds * 1_000_000
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        func pad(_ n: Int, _ w: Int) -> String { let s = String(n); return String(repeating: "0", count: max(0, w - s.count)) + s }
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2)) "
            + "\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2)).\(pad(fraction, 6))+00"
    }

    /// `YYYY-MM-DD HH:MM:SS[.ffffff][+HH[:MM[:SS]]]`.
    public static func parse(_ text: UnsafeRawBufferPointer) -> Date? {
        let b = Array(text)
        func num(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= b.count else { return nil }
            var v = 0
            for i in start..<(start + count) {
                guard b[i] >= 48 && b[i] <= 57 else { return nil }
                v = v * 10 + Int(b[i] - 48)
            }
            return v
        }
        guard b.count >= 19, let year = num(0, 4), b[4] == 45, let month = num(5, 2), b[7] == 45, let day = num(8, 2),
              b[10] == 32 || b[10] == 84, let hour = num(11, 2), b[13] == 58, let minute = num(14, 2), b[16] == 58,
              let second = num(17, 2) else { return nil }
        var i = 19
        var fraction = 0.0
        if i < b.count && b[i] == 46 {
            i += 1
            var scale = 0.1
            while i < b.count && b[i] >= 48 && b[i] <= 57 {
                fraction += Double(b[i] - 48) * scale
                scale /= 10
                i += 1
            }
        }
        var offset = 0
        if i < b.count && (b[i] == 43 || b[i] == 45) {
            let sign = b[i] == 45 ? -1 : 1
            guard let oh = num(i + 1, 2) else { return nil }
            var om = 0, os = 0
            if i + 3 < b.count && b[i + 3] == 58 { om = num(i + 4, 2) ?? 0 }
            if i + 6 < b.count && b[i + 6] == 58 { os = num(i + 7, 2) ?? 0 }
            offset = sign * (oh * 3600 + om * 60 + os)
        }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let epoch = timegm(&parts)
        return Date(timeIntervalSince1970: Double(epoch - offset) + fraction)
    }
}
