import Foundation
import HTTPServer

/// A JSON merge patch (RFC 7396) body: for each field, absent (leave it), null (clear it) or a
/// value. Unknown fields are refused by name, so a typo is not silently ignored.
struct MergePatch {
    enum Field<T> {
        case absent
        case null
        case value(T)
    }

    private let object: [String: Any]

    init(_ request: HTTPRequest, allowed: Set<String>) throws {
        guard !request.body.isEmpty,
              let object = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] else {
            throw HTTPError(.badRequest, detail: "A PATCH body is a JSON object with the fields to change.")
        }
        var errors = FieldErrors()
        for key in object.keys.sorted() where !allowed.contains(key) { errors.add(key, "is not a field that can be changed") }
        try errors.throwIfAny()
        self.object = object
    }

    var isEmpty: Bool { object.isEmpty }
    var keys: [String] { Array(object.keys) }

    func string(_ key: String, errors: inout FieldErrors) -> Field<String> {
        guard let raw = object[key] else { return .absent }
        if raw is NSNull { return .null }
        guard let value = raw as? String else {
            errors.add(key, "must be a string")
            return .absent
        }
        return .value(value)
    }
}
