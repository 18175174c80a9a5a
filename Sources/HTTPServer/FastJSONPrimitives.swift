import Foundation

/// Values the fast JSON encoder writes itself, exactly as Foundation's `JSONEncoder` (with
/// ISO 8601 dates) writes them.
protocol FastJSONPrimitive {
    func writeJSON(into out: inout [UInt8]) throws
}

extension String: FastJSONPrimitive {
    func writeJSON(into out: inout [UInt8]) { writeString(self, into: &out) }
}

extension Substring: FastJSONPrimitive {
    func writeJSON(into out: inout [UInt8]) { writeString(String(self), into: &out) }
}

extension Bool: FastJSONPrimitive {
    func writeJSON(into out: inout [UInt8]) { out.append(contentsOf: self ? Array("true".utf8) : Array("false".utf8)) }
}

extension Int: FastJSONPrimitive { func writeJSON(into out: inout [UInt8]) { out.append(contentsOf: String(self).utf8) } }
extension Int8: FastJSONPrimitive { func writeJSON(into out: inout [UInt8]) { out.append(contentsOf: String(self).utf8) } }
extension Int16: FastJSONPrimitive { func writeJSON(into out: inout [UInt8]) { out.append(contentsOf: String(self).utf8) } }
extension Int32: FastJSONPrimitive { func writeJSON(into out: inout [UInt8]) { out.append(contentsOf: String(self).utf8) } }
extension Int64: FastJSONPrimitive { func writeJSON(into out: inout [UInt8]) { out.append(contentsOf: String(self).utf8) } }
extension UInt: FastJSONPrimitive { func writeJSON(into out: inout [UInt8]) { out.append(contentsOf: String(self).utf8) } }
extension UInt8: FastJSONPrimitive { func writeJSON(into out: inout [UInt8]) { out.append(contentsOf: String(self).utf8) } }
extension UInt16: FastJSONPrimitive { func writeJSON(into out: inout [UInt8]) { out.append(contentsOf: String(self).utf8) } }
extension UInt32: FastJSONPrimitive { func writeJSON(into out: inout [UInt8]) { out.append(contentsOf: String(self).utf8) } }
extension UInt64: FastJSONPrimitive { func writeJSON(into out: inout [UInt8]) { out.append(contentsOf: String(self).utf8) } }

extension Double: FastJSONPrimitive {
    /// The shortest form that reads back the same, without a trailing ".0" (1 → `1`,
    /// 1e21 → `1e+21`); NaN and infinities are not JSON.
    func writeJSON(into out: inout [UInt8]) throws {
        guard isFinite else { throw EncodingError.invalidValue(self, .init(codingPath: [], debugDescription: "\(self) is not valid JSON")) }
        var text = description
        if text.hasSuffix(".0") { text.removeLast(2) }
        out.append(contentsOf: text.utf8)
    }
}

extension Float: FastJSONPrimitive {
    func writeJSON(into out: inout [UInt8]) throws {
        guard isFinite else { throw EncodingError.invalidValue(self, .init(codingPath: [], debugDescription: "\(self) is not valid JSON")) }
        var text = description
        if text.hasSuffix(".0") { text.removeLast(2) }
        out.append(contentsOf: text.utf8)
    }
}

extension Date: FastJSONPrimitive {
    /// `2026-11-29T20:00:00Z`: UTC, whole seconds (rounded down), as the ISO 8601 strategy.
    func writeJSON(into out: inout [UInt8]) {
        // Before the Gregorian reform (Foundation switches to the Julian calendar there) and
        // after year 9999, Foundation's formatter decides.
        guard timeIntervalSince1970 >= -12_219_292_800, timeIntervalSince1970 < 253_402_300_800 else {
            let formatter = ISO8601DateFormatter()
            writeString(formatter.string(from: self), into: &out)
            return
        }
        var seconds = time_t(Int((timeIntervalSince1970).rounded(.down)))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ n: Int32) { out.append(UInt8(48 + n / 10)); out.append(UInt8(48 + n % 10)) }
        out.append(UInt8(ascii: "\""))
        let year = Int(parts.tm_year) + 1900
        let digits = Array(String(year).utf8)
        if digits.count < 4 { out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: 4 - digits.count)) }
        out.append(contentsOf: digits)
        out.append(UInt8(ascii: "-")); two(parts.tm_mon + 1)
        out.append(UInt8(ascii: "-")); two(parts.tm_mday)
        out.append(UInt8(ascii: "T")); two(parts.tm_hour)
        out.append(UInt8(ascii: ":")); two(parts.tm_min)
        out.append(UInt8(ascii: ":")); two(parts.tm_sec)
        out.append(contentsOf: [UInt8(ascii: "Z"), UInt8(ascii: "\"")])
    }
}

extension UUID: FastJSONPrimitive {
    func writeJSON(into out: inout [UInt8]) { writeString(uuidString, into: &out) }
}

extension Data: FastJSONPrimitive {
    func writeJSON(into out: inout [UInt8]) { writeString(base64EncodedString(), into: &out) }
}

extension URL: FastJSONPrimitive {
    func writeJSON(into out: inout [UInt8]) { writeString(absoluteString, into: &out) }
}

extension Optional: FastJSONPrimitive where Wrapped: Encodable {
    func writeJSON(into out: inout [UInt8]) throws {
        switch self {
        case .none: out.append(contentsOf: Array("null".utf8))
        case .some(let wrapped): try FastJSONEncoder.write(wrapped, into: &out)
        }
    }
}

extension Array: FastJSONPrimitive where Element: Encodable {
    func writeJSON(into out: inout [UInt8]) throws {
        out.append(UInt8(ascii: "["))
        // Rows of a view that writes itself (a list page's items) skip the per-element type
        // checks of `FastJSONEncoder.write`: the element type is asked once.
        let objects = Element.self is any JSONObjectWritable.Type
        for (i, element) in enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            if objects, let object = element as? any JSONObjectWritable, try FastJSONEncoder.writeObject(object, into: &out) { continue }
            try FastJSONEncoder.write(element, into: &out)
        }
        out.append(UInt8(ascii: "]"))
    }
}

/// A JSON string: `"` and `\` escaped, control characters as `\b \f \n \r \t` or `\u00xx`,
/// everything else (slashes, non-ASCII) as it is.
func writeString(_ string: String, into out: inout [UInt8]) {
    var string = string
    string.withUTF8 { writeString(bytes: $0, into: &out) }
}

/// `writeString` for UTF-8 bytes in hand: one pass, runs that need no escape copied whole.
func writeString(bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    var run = 0
    for i in bytes.indices {
        let byte = bytes[i]
        guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
        if run < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<i])) }
        run = i + 1
        switch byte {
        case UInt8(ascii: "\""): out.append(contentsOf: [92, UInt8(ascii: "\"")])
        case UInt8(ascii: "\\"): out.append(contentsOf: [92, 92])
        case 0x08: out.append(contentsOf: [92, UInt8(ascii: "b")])
        case 0x0C: out.append(contentsOf: [92, UInt8(ascii: "f")])
        case 0x0A: out.append(contentsOf: [92, UInt8(ascii: "n")])
        case 0x0D: out.append(contentsOf: [92, UInt8(ascii: "r")])
        case 0x09: out.append(contentsOf: [92, UInt8(ascii: "t")])
        default:
            let hex: StaticString = "0123456789abcdef"
            let digits = hex.utf8Start
            out.append(contentsOf: [92, UInt8(ascii: "u"), 48, 48, digits[Int(byte >> 4)], digits[Int(byte & 15)]])
        }
    }
    if run < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run...])) }
    out.append(UInt8(ascii: "\""))
}

extension Decimal: FastJSONPrimitive {
    func writeJSON(into out: inout [UInt8]) { out.append(contentsOf: description.utf8) }
}
