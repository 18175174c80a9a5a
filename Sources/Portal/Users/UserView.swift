import Foundation

/// A user as the API shows it (never the password hash): its editable fields, flattened,
/// plus identity and bookkeeping. IDs are lowercase strings, as the database prints them
/// (Foundation would upper-case a UUID).
@dynamicMemberLookup
struct UserView: Codable, Sendable, Equatable {
    var id: String
    var tenantId: String?
    var fields: UserFields
    var version: Int
    var createdAt: Date
    var updatedAt: Date

    subscript<T>(dynamicMember path: KeyPath<UserFields, T>) -> T { fields[keyPath: path] }

    init(id: String, tenantId: String?, fields: UserFields, version: Int, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.tenantId = tenantId
        self.fields = fields
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    init(from decoder: any Decoder) throws {
        fields = try UserFields(from: decoder)
        let c = try decoder.container(keyedBy: Keys.self)
        id = try c.decode(String.self, forKey: .id)
        tenantId = try c.decodeIfPresent(String.self, forKey: .tenantId)
        version = try c.decode(Int.self, forKey: .version)
        createdAt = try c.decode(Date.self, forKey: .createdAt)
        updatedAt = try c.decode(Date.self, forKey: .updatedAt)
    }

    func encode(to encoder: any Encoder) throws {
        try fields.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(id, forKey: .id)
        try c.encodeIfPresent(tenantId, forKey: .tenantId)
        try c.encode(version, forKey: .version)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
    }

    private enum Keys: String, CodingKey { case id, tenantId, version, createdAt, updatedAt }
}

/// What goes with a user when it is deleted, for the confirmation a person sees first.
struct UserDependents: Codable, Sendable, Equatable {
    /// Internal numbers of the user's extensions, removed with them.
    var extensions: [String]
    /// Open browser sessions, ended at once.
    var sessions: Int
    /// Voicemail, recordings, sounds and hold music stored for the user, in bytes.
    var storedBytes: Int
}
