import Foundation
import Postgres

/// A group as the API shows it: its members in ring order.
struct ExtensionGroupView: Codable, Sendable, Equatable {
    var id: String
    var name: String
    var extensionIds: [String]
    var version: Int
    var createdAt: Date
    var updatedAt: Date
}

/// The SQL of extension groups.
struct ExtensionGroupsRepository: Sendable {
    static let columns = """
        g.id::text AS id, g.name, g.version, g.created_at, g.updated_at,
        ARRAY(SELECT m.extension_id::text FROM extension_group_members m WHERE m.group_id = g.id ORDER BY m.position) AS members
        """

    func list(on connection: PostgresConnection) async throws -> [ExtensionGroupView] {
        try await connection.query("SELECT \(unsafeRaw: Self.columns) FROM extension_groups g WHERE g.tenant_id = app_tenant() ORDER BY lower(g.name)")
            .map(Self.decode)
    }

    func find(_ id: UUID, forUpdate: Bool = false, on connection: PostgresConnection) async throws -> ExtensionGroupView? {
        try await connection.query("SELECT \(unsafeRaw: Self.columns) FROM extension_groups g WHERE g.id = \(id)\(unsafeRaw: forUpdate ? " FOR UPDATE" : "")")
            .first.map(Self.decode)
    }

    func create(name: String, tenantID: UUID, on connection: PostgresConnection) async throws -> UUID {
        guard let id = try await connection.query("""
            INSERT INTO extension_groups (tenant_id, name) VALUES (\(tenantID), \(name)) RETURNING id
            """).first?.decode(UUID.self, "id") else { throw PostgresError(.client, "INSERT returned no row") }
        return id
    }

    func rename(_ id: UUID, to name: String, on connection: PostgresConnection) async throws {
        try await connection.query("UPDATE extension_groups SET name = \(name), version = version + 1, updated_at = now() WHERE id = \(id)")
    }

    /// Replaces the members with `extensions`, in that order.
    func setMembers(_ id: UUID, tenantID: UUID, extensions: [UUID], on connection: PostgresConnection) async throws {
        try await connection.query("DELETE FROM extension_group_members WHERE group_id = \(id)")
        for (position, ext) in extensions.enumerated() {
            try await connection.query("""
                INSERT INTO extension_group_members (tenant_id, group_id, extension_id, position) VALUES (\(tenantID), \(id), \(ext), \(position + 1))
                """)
        }
        try await connection.query("UPDATE extension_groups SET version = version + 1, updated_at = now() WHERE id = \(id)")
    }

    func delete(_ id: UUID, on connection: PostgresConnection) async throws {
        try await connection.query("DELETE FROM extension_groups WHERE id = \(id)")
    }

    /// What routes calls to the group, for the in-use refusal.
    func users(of id: UUID, on connection: PostgresConnection) async throws -> [String] {
        let numbers = try await connection.query("""
            SELECT number FROM public_numbers WHERE destination_type = 'group' AND destination_id = \(id) ORDER BY number
            """).map { "public number \(try $0.decode(String.self, "number"))" }
        let rules = try await connection.query("""
            SELECT r.position, e.number FROM rules r JOIN extensions e ON e.id = r.extension_id
            WHERE r.definition::text LIKE \("%" + id.uuidString.lowercased() + "%") ORDER BY e.number, r.position
            """).map { "rule \(try $0.decode(Int.self, "position")) of extension \(try $0.decode(String.self, "number"))" }
        return numbers + rules
    }

    static func decode(_ row: PostgresRow) throws -> ExtensionGroupView {
        ExtensionGroupView(id: try row.decode(String.self, "id"), name: try row.decode(String.self, "name"),
                           extensionIds: try row.decode([String].self, "members"), version: try row.decode(Int.self, "version"),
                           createdAt: try row.decode(Date.self, "created_at"), updatedAt: try row.decode(Date.self, "updated_at"))
    }
}
