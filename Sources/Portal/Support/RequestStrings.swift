import Foundation
import HTTPServer

/// The one rule for text a request may carry into the database: no NUL character.
/// PostgreSQL cannot store U+0000 in `text` (libpq would cut the value there) nor in `jsonb`
/// (SQLSTATE 22P05), so a NUL is refused where the request is decoded, with 422 naming the
/// field, instead of becoming a 500 or a silently shortened value.
enum RequestStrings {
    static let nulMessage = "must not contain the NUL character (U+0000)"

    /// The path of the first string (or object key) in the JSON `body` holding a NUL, or nil.
    /// Cheap for ordinary bodies: only a body with a `\u0000` escape is parsed for the path.
    static func fieldWithNUL(inJSON body: [UInt8]) -> String? {
        guard mayHoldNUL(body), let root = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) else {
            return nil
        }
        return firstNUL(in: root, path: "")
    }

    /// Throws 422 naming the field when the JSON `body` holds a NUL anywhere.
    static func refuseNUL(inJSON body: [UInt8]) throws {
        if let field = fieldWithNUL(inJSON: body) { throw HTTPError.validation(field: field.isEmpty ? "body" : field, nulMessage) }
    }

    /// Throws 422 naming the query parameter whose name or value holds a NUL (`?q=%00`).
    static func refuseNUL(inQueryOf request: HTTPRequest) throws {
        // A NUL arrives as `%00` (or raw, from a request not built by the parser): a query
        // with neither has none.
        guard let query = request.query, queryMayHoldNUL(query) else { return }
        for item in request.queryItems where item.name.utf8.contains(0) || item.value.utf8.contains(0) {
            throw HTTPError.validation(field: item.name.replacingOccurrences(of: "\u{0}", with: ""), nulMessage)
        }
    }

    /// Whether `%00` or a NUL byte occurs in the raw text.
    private static func queryMayHoldNUL(_ text: String) -> Bool {
        var it = text.utf8.makeIterator()
        var seen = 0
        while let byte = it.next() {
            switch (seen, byte) {
            case (_, 0): return true
            case (_, UInt8(ascii: "%")): seen = 1
            case (1, UInt8(ascii: "0")): seen = 2
            case (2, UInt8(ascii: "0")): return true
            default: seen = 0
            }
        }
        return false
    }

    /// A NUL in JSON text is always written as an escape `\u0000` (a raw 0x00 byte is not
    /// valid JSON): look for the digits after any `\u`.
    private static func mayHoldNUL(_ body: [UInt8]) -> Bool {
        let pattern = Array("u0000".utf8)
        guard body.count >= pattern.count else { return false }
        var i = 0
        while i + pattern.count <= body.count {
            if body[i] == pattern[0], body[i..<(i + pattern.count)].elementsEqual(pattern) { return true }
            i += 1
        }
        return body.contains(0)
    }

    private static func firstNUL(in value: Any, path: String) -> String? {
        switch value {
        case let text as String:
            return text.contains("\u{0}") ? path : nil
        case let array as [Any]:
            for (i, element) in array.enumerated() {
                if let found = firstNUL(in: element, path: "\(path)[\(i)]") { return found }
            }
            return nil
        case let object as [String: Any]:
            for key in object.keys.sorted() {
                let here = path.isEmpty ? key : "\(path).\(key)"
                if key.contains("\u{0}") { return here.replacingOccurrences(of: "\u{0}", with: "") }
                if let value = object[key], let found = firstNUL(in: value, path: here) { return found }
            }
            return nil
        default:
            return nil
        }
    }
}
