import Foundation
import HTTPServer

/// RFC 7396 JSON merge patch on whole documents: objects merge key by key, `null` removes a
/// key, anything else replaces. Used where a resource is one structured document (rules).
enum JSONMerge {
    static func apply(_ patch: Any, to target: Any) -> Any {
        guard let patchObject = patch as? [String: Any] else { return patch }
        var result = (target as? [String: Any]) ?? [:]
        for (key, value) in patchObject {
            if value is NSNull {
                result[key] = nil
            } else {
                result[key] = apply(value, to: result[key] ?? NSNull())
            }
        }
        return result
    }

    /// `current` (encoded) patched with the request body, decoded back as `T`, with field
    /// errors for whatever the result gets wrong.
    static func patched<T: Codable>(_ current: T, with request: HTTPRequest) throws -> T {
        try RequestStrings.refuseNUL(inJSON: request.body)
        guard !request.body.isEmpty, let patch = try? JSONSerialization.jsonObject(with: Data(request.body)), patch is [String: Any] else {
            throw HTTPError(.badRequest, detail: "The body must be a JSON object with the fields to change.")
        }
        let original = try JSONSerialization.jsonObject(with: Data(try JSONCoding.encode(current)))
        let merged = try JSONSerialization.data(withJSONObject: apply(patch, to: original))
        return try HTTPRequest.decodeJSON(T.self, from: Array(merged))
    }
}
