import Foundation
import HTTPServer
import Telephony

extension HTTPRequest {
    /// The JSON body decoded as `T`: 400 when it is not JSON at all, 422 naming the field when
    /// a field is missing or of the wrong type.
    func decodeJSON<T: Decodable>(_ type: T.Type) throws -> T {
        guard !body.isEmpty else { throw HTTPError(.badRequest, detail: "The request needs a JSON body.") }
        return try Self.decodeJSON(type, from: body)
    }

    /// Decodes JSON bytes, mapping decoding failures to 400 / 422 naming the field. Every JSON
    /// body of the API comes through here (or `MergePatch`, which applies the same string rule).
    static func decodeJSON<T: Decodable>(_ type: T.Type, from body: [UInt8]) throws -> T {
        try RequestStrings.refuseNUL(inJSON: body)
        do {
            return try JSONCoding.decode(type, from: body)
        } catch let error as DecodingError {
            switch error {
            case .keyNotFound(let key, let context):
                throw HTTPError.validation(field: Self.path(context.codingPath + [key]), "is required")
            case .typeMismatch(_, let context), .valueNotFound(_, let context):
                throw HTTPError.validation(field: Self.path(context.codingPath), "has the wrong type")
            case .dataCorrupted(let context) where !context.codingPath.isEmpty:
                // Our own decoders say what is wrong (InvalidValue); Foundation's messages name Swift types.
                throw HTTPError.validation(field: Self.path(context.codingPath), (context.underlyingError as? InvalidValue)?.message ?? "is not valid")
            default:
                throw HTTPError(.badRequest, detail: "The body is not valid JSON.")
            }
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        if keys.isEmpty { return "body" }
        return keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
    }
}

/// Collects every invalid field of a request before answering 422 with all of them.
struct FieldErrors {
    private(set) var errors: [ProblemDetails.FieldError] = []

    mutating func add(_ field: String, _ message: String) {
        errors.append(.init(field: field, message: message))
    }

    func throwIfAny() throws {
        if !errors.isEmpty {
            throw HTTPError(.unprocessableContent, detail: "The request has invalid fields.", errors: errors)
        }
    }
}
