import Foundation
import Postgres

/// A key as listed: never its secret.
struct APIKeyView: Codable, Sendable, Equatable {
    var id: String
    var name: String
    var prefix: String
    var role: String
    var createdAt: Date
    var lastUsedAt: Date?
    var revokedAt: Date?
    var version: Int
}

/// The SQL of API keys.
struct APIKeysRepository: Sendable {
    static let columns = "id, name, prefix, role, created_at, last_used_at, revoked_at, version"

    func list(on connection: PostgresConnection) async throws -> [APIKeyView] {
        try await connection.query("SELECT \(unsafeRaw: Self.columns) FROM api_keys WHERE tenant_id = app_tenant() ORDER BY created_at, id")
            .map(Self.decode)
    }

    func create(tenantID: UUID, name: String, prefix: String, secretHash: [UInt8], role: String, createdBy: UUID?,
                on connection: PostgresConnection) async throws -> APIKeyView {
        let rows = try await connection.query("""
            INSERT INTO api_keys (tenant_id, name, prefix, secret_hash, role, created_by)
            VALUES (\(tenantID), \(name), \(prefix), \(PostgresBytes(secretHash)), \(role), \(createdBy))
            RETURNING \(unsafeRaw: Self.columns)
            """)
        guard let row = rows.first else { throw PostgresError(.client, "INSERT returned no row") }
        return try Self.decode(row)
    }

    /// Marks the key revoked; nil when there is no such active key in the scoped tenant.
    func revoke(_ id: UUID, on connection: PostgresConnection) async throws -> APIKeyView? {
        try await connection.query("""
            UPDATE api_keys SET revoked_at = now(), version = version + 1
            WHERE id = \(id) AND tenant_id = app_tenant() AND revoked_at IS NULL
            RETURNING \(unsafeRaw: Self.columns)
            """).first.map(Self.decode)
    }

    static func decode(_ row: PostgresRow) throws -> APIKeyView {
        APIKeyView(id: try row.decode(String.self, "id"), name: try row.decode(String.self, "name"), prefix: try row.decode(String.self, "prefix"),
                   role: try row.decode(String.self, "role"), createdAt: try row.decode(Date.self, "created_at"),
                   lastUsedAt: try row.decode(Date?.self, "last_used_at"), revokedAt: try row.decode(Date?.self, "revoked_at"),
                   version: try row.decode(Int.self, "version"))
    }
}
