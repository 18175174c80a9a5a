import Foundation

/// Where a page sorted by name ended: (lowercased name, id), as an opaque base64url string.
struct NameCursor: Sendable, Equatable {
    var name: String
    var id: String

    var encoded: String {
        let json = (try? JSONEncoder().encode([name, id])) ?? Data()
        return json.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    init(name: String, id: String) {
        self.name = name
        self.id = id
    }

    init?(encoded: String) {
        var base64 = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let parts = try? JSONDecoder().decode([String].self, from: data),
              parts.count == 2, UUID(uuidString: parts[1]) != nil else { return nil }
        self.init(name: parts[0], id: parts[1])
    }

    /// A LIKE pattern that finds `text` anywhere, with the wildcards in it taken literally.
    static func likePattern(_ text: String) -> String {
        "%" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_") + "%"
    }
}
