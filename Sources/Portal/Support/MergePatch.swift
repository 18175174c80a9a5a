import Foundation
import HTTPServer

/// A JSON merge patch (RFC 7396) body: for each field, absent (leave it), null (clear it) or a
/// value. Unknown fields are refused by name, so a typo is not silently ignored.
struct MergePatch: Sendable {
    enum Field<T> {
        case absent
        case null
        case value(T)
    }

    /// One JSON value, keeping booleans, integers, other numbers and strings apart.
    enum Value: Decodable, Sendable {
        case null, bool(Bool), int(Int), number(Double), string(String), array([Value]), other

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            // Strings first: most fields are, and each failed attempt costs a thrown error
            // (JSON's types are apart, so the order changes nothing else).
            if c.decodeNil() { self = .null }
            else if let s = try? c.decode(String.self) { self = .string(s) }
            else if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else if let i = try? c.decode(Int.self) { self = .int(i) }
            else if let d = try? c.decode(Double.self) { self = .number(d) }
            else if let a = try? c.decode([Value].self) { self = .array(a) }
            else { self = .other }
        }
    }

    private let object: [String: Value]
    private let body: [UInt8]

    /// The field as plain JSON (arrays and objects included), for nested shapes; the body is
    /// parsed for it when asked (most bodies never are).
    func rawValue(_ key: String) -> Any? {
        ((try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any])?[key]
    }

    init(_ request: HTTPRequest, allowed: Set<String>) throws {
        try RequestStrings.refuseNUL(inJSON: request.body)
        guard !request.body.isEmpty, let object = try? JSONCoding.decode([String: Value].self, from: request.body) else {
            throw HTTPError(.badRequest, detail: "The body must be a JSON object with the fields to set.")
        }
        var errors = FieldErrors()
        for key in object.keys.sorted() where !allowed.contains(key) { errors.add(key, "is not a field that can be set") }
        try errors.throwIfAny()
        self.object = object
        self.body = request.body
    }

    /// The value of a field a whole replacement (PUT) must carry; notes it as required when
    /// it is absent or null (unless the field already has an error).
    static func required<T>(_ key: String, _ field: Field<T>, _ errors: inout FieldErrors) -> T? {
        if case .value(let value) = field { return value }
        if !errors.errors.contains(where: { $0.field == key }) { errors.add(key, "is required") }
        return nil
    }

    var isEmpty: Bool { object.isEmpty }
    var keys: [String] { Array(object.keys) }

    func string(_ key: String, errors: inout FieldErrors) -> Field<String> {
        switch object[key] {
        case nil: return .absent
        case .null: return .null
        case .string(let s): return .value(s)
        default:
            errors.add(key, "must be a string")
            return .absent
        }
    }

    func bool(_ key: String, errors: inout FieldErrors) -> Field<Bool> {
        switch object[key] {
        case nil: return .absent
        case .null: return .null
        case .bool(let b): return .value(b)
        default:
            errors.add(key, "must be true or false")
            return .absent
        }
    }

    func integers(_ key: String, errors: inout FieldErrors) -> Field<[Int]> {
        switch object[key] {
        case nil: return .absent
        case .null: return .null
        case .array(let values):
            var result: [Int] = []
            for value in values {
                guard case .int(let i) = value else {
                    errors.add(key, "must be a list of whole numbers")
                    return .absent
                }
                result.append(i)
            }
            return .value(result)
        default:
            errors.add(key, "must be a list of whole numbers")
            return .absent
        }
    }

    func integer(_ key: String, errors: inout FieldErrors) -> Field<Int> {
        switch object[key] {
        case nil: return .absent
        case .null: return .null
        case .int(let i): return .value(i)
        default:
            errors.add(key, "must be a whole number")
            return .absent
        }
    }
}

extension MergePatch {
    /// A boolean field that may be left out (keeps `value`) but not cleared.
    func bool(_ key: String, default value: Bool, errors: inout FieldErrors) -> Bool {
        switch bool(key, errors: &errors) {
        case .value(let b): return b
        case .null: errors.add(key, "must be true or false"); return value
        case .absent: return value
        }
    }
}
