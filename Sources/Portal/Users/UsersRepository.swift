import Foundation
import Postgres

/// The SQL of users. Every method runs on a connection whose transaction already carries the
/// tenant scope (see `TenantDatabase`).
struct UsersRepository: Sendable {
    static let columns = """
        id, tenant_id, username::text AS username, role, first_name, last_name, phone, email::text AS email, address, city,
        postal_code, country, region, timezone, language, phone_language, version, created_at, updated_at
        """

    struct NewUser: Sendable {
        var tenantID: UUID?
        var username: String
        var passwordHash: String
        var role: String
        var firstName = ""
        var lastName = ""
        var email: String?
        var language = "es"
    }

    func find(_ id: UUID, on connection: PostgresConnection) async throws -> UserView? {
        let rows = try await connection.query("SELECT \(unsafeRaw: Self.columns) FROM users WHERE id = \(id)")
        return try rows.first.map(Self.decode)
    }

    func passwordHash(of id: UUID, on connection: PostgresConnection) async throws -> String? {
        try await connection.query("SELECT password_hash FROM users WHERE id = \(id)").first?.decode(String.self, "password_hash")
    }

    func create(_ user: NewUser, on connection: PostgresConnection) async throws -> UserView {
        let rows = try await connection.query("""
            INSERT INTO users (tenant_id, username, password_hash, role, first_name, last_name, email, language)
            VALUES (\(user.tenantID), \(user.username), \(user.passwordHash), \(user.role), \(user.firstName), \(user.lastName),
                    \(user.email), \(user.language))
            RETURNING \(unsafeRaw: Self.columns)
            """)
        guard let row = rows.first else { throw PostgresError(.client, "INSERT returned no row") }
        return try Self.decode(row)
    }

    /// Stores a new password hash and ends every session of the user.
    func setPassword(_ id: UUID, hash: String, on connection: PostgresConnection) async throws {
        try await connection.query("""
            UPDATE users SET password_hash = \(hash), password_changed_at = now(), updated_at = now(), version = version + 1
            WHERE id = \(id)
            """)
        try await connection.query("DELETE FROM sessions WHERE user_id = \(id)")
    }

    static func decode(_ row: PostgresRow) throws -> UserView {
        UserView(
            id: try row.decode(String.self, "id"), tenantId: try row.decode(String?.self, "tenant_id"),
            username: try row.decode(String.self, "username"), role: try row.decode(String.self, "role"),
            firstName: try row.decode(String.self, "first_name"), lastName: try row.decode(String.self, "last_name"),
            phone: try row.decode(String?.self, "phone"), email: try row.decode(String?.self, "email"),
            address: try row.decode(String?.self, "address"), city: try row.decode(String?.self, "city"),
            postalCode: try row.decode(String?.self, "postal_code"), country: try row.decode(String?.self, "country"),
            region: try row.decode(String?.self, "region"), timezone: try row.decode(String?.self, "timezone"),
            language: try row.decode(String.self, "language"), phoneLanguage: try row.decode(String.self, "phone_language"),
            version: try row.decode(Int.self, "version"), createdAt: try row.decode(Date.self, "created_at"),
            updatedAt: try row.decode(Date.self, "updated_at"))
    }
}
