import HTTPServer

/// Optimistic concurrency: resources carry a `version`, sent as a strong ETag (`"3"`); a
/// write with `If-Match` naming another version is refused with 412.
enum Versioning {
    static func etag(_ version: Int) -> String { "\"\(version)\"" }

    static func check(_ request: HTTPRequest, current version: Int) throws {
        // An empty If-Match (some clients send the header with no stored ETag) asks for nothing.
        guard let header = request.headers["If-Match"], !header.trimmingCharacters(in: .whitespaces).isEmpty else { return }
        let tags = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if tags.contains("*") { return }
        let wanted = tags.map { tag -> String in
            var t = tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag
            if t.hasPrefix("\"") && t.hasSuffix("\"") && t.count >= 2 { t = String(t.dropFirst().dropLast()) }
            return t
        }
        guard wanted.contains(String(version)) else {
            throw HTTPError(.preconditionFailed, detail: "The resource changed since you read it (it is now version \(version)); reload and try again.")
        }
    }
}
