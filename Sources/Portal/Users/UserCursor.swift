import Foundation

/// Where a page of users ended: the sort key of its last row, as an opaque base64url string.
struct UserCursor: Codable, Sendable, Equatable {
    var lastName: String
    var firstName: String
    var id: String

    var encoded: String {
        let json = (try? JSONEncoder().encode([lastName, firstName, id])) ?? Data()
        return json.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    init(lastName: String, firstName: String, id: String) {
        self.lastName = lastName
        self.firstName = firstName
        self.id = id
    }

    /// nil when the text is not a cursor this server made.
    init?(encoded: String) {
        var base64 = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let parts = try? JSONDecoder().decode([String].self, from: data),
              parts.count == 3, UUID(uuidString: parts[2]) != nil else { return nil }
        self.init(lastName: parts[0], firstName: parts[1], id: parts[2])
    }
}
