import Foundation
import Postgres
import Telephony

/// A call flow (IVR-5): a named list of actions a public number can be routed to.
struct CallFlowView: Encodable, Sendable {
    var id: String
    var name: String
    var actions: [MenuAction]
    /// Public numbers routed to the flow (read-only).
    var publicNumbers: [String]
    var version: Int
    var createdAt: Date
    var updatedAt: Date
}

/// The SQL of call flows.
struct CallFlowsRepository: Sendable {
    static let columns = """
        f.id::text AS id, f.name, f.actions, f.version, f.created_at, f.updated_at,
        ARRAY(SELECT n.number FROM public_numbers n WHERE n.destination_type = 'callFlow' AND n.destination_id = f.id ORDER BY n.number) AS numbers
        """

    func list(on c: PostgresConnection) async throws -> [CallFlowView] {
        try await c.query("SELECT \(unsafeRaw: Self.columns) FROM call_flows f ORDER BY lower(f.name), f.id").map(Self.decode)
    }

    func find(_ id: UUID, forUpdate: Bool = false, on c: PostgresConnection) async throws -> CallFlowView? {
        try await c.query("SELECT \(unsafeRaw: Self.columns) FROM call_flows f WHERE f.id = \(id)\(unsafeRaw: forUpdate ? " FOR UPDATE" : "")")
            .first.map(Self.decode)
    }

    func create(name: String, actions: [MenuAction], tenantID: UUID, on c: PostgresConnection) async throws -> UUID {
        guard let id = try await c.query("""
            INSERT INTO call_flows (tenant_id, name, actions) VALUES (\(tenantID), \(name), \(try PostgresJSON(actions))) RETURNING id
            """).first?.decode(UUID.self, "id") else { throw PostgresError(.client, "INSERT returned no row") }
        return id
    }

    func update(_ id: UUID, name: String, actions: [MenuAction], on c: PostgresConnection) async throws {
        try await c.query("""
            UPDATE call_flows SET name = \(name), actions = \(try PostgresJSON(actions)), version = version + 1, updated_at = now() WHERE id = \(id)
            """)
    }

    func delete(_ id: UUID, on c: PostgresConnection) async throws {
        try await c.query("DELETE FROM call_flows WHERE id = \(id)")
    }

    static func decode(_ row: PostgresRow) throws -> CallFlowView {
        CallFlowView(id: try row.decode(String.self, "id"), name: try row.decode(String.self, "name"),
                     actions: try row.decode(PostgresJSON.self, "actions").decode([MenuAction].self),
                     publicNumbers: try row.decode([String].self, "numbers"), version: try row.decode(Int.self, "version"),
                     createdAt: try row.decode(Date.self, "created_at"), updatedAt: try row.decode(Date.self, "updated_at"))
    }
}
