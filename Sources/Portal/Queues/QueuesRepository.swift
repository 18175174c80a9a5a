import Foundation
import Postgres
import Telephony

/// The SQL of queues: an extension of kind `queue` and its settings row.
struct QueuesRepository: Sendable {
    static let columns = """
        e.id::text AS id, e.number, e.name, e.version, e.created_at, e.updated_at, COALESCE(q.settings, '{}'::jsonb) AS settings,
        (SELECT count(*) FROM queue_agents a WHERE a.queue_id = e.id) AS agents,
        (SELECT count(*) FROM queue_agents a WHERE a.queue_id = e.id AND a.state <> 'loggedOut') AS agents_logged_in
        """
    static let from = "extensions e LEFT JOIN queues q ON q.extension_id = e.id"

    /// Every queue, or (for a member) those where one of `agentOwner`'s extensions is an agent.
    func list(agentOwner: UUID?, on connection: PostgresConnection) async throws -> [QueueView] {
        try await connection.query("""
            SELECT \(unsafeRaw: Self.columns) FROM \(unsafeRaw: Self.from)
            WHERE e.kind = 'queue' AND (\(agentOwner)::uuid IS NULL OR EXISTS (
                SELECT 1 FROM queue_agents a JOIN extensions x ON x.id = a.extension_id WHERE a.queue_id = e.id AND x.owner_id = \(agentOwner)))
            ORDER BY e.number
            """).map(Self.decode)
    }

    /// The queue, if `agentOwner` (nil: an admin) may see it.
    func find(_ id: UUID, agentOwner: UUID? = nil, forUpdate: Bool = false, on connection: PostgresConnection) async throws -> QueueView? {
        try await connection.query("""
            SELECT \(unsafeRaw: Self.columns) FROM \(unsafeRaw: Self.from)
            WHERE e.id = \(id) AND e.kind = 'queue' AND (\(agentOwner)::uuid IS NULL OR EXISTS (
                SELECT 1 FROM queue_agents a JOIN extensions x ON x.id = a.extension_id WHERE a.queue_id = e.id AND x.owner_id = \(agentOwner)))
            \(unsafeRaw: forUpdate ? "FOR UPDATE OF e" : "")
            """).first.map(Self.decode)
    }

    /// Inserts or replaces the settings and bumps the extension's version.
    /// Stores the queue's settings; `renaming` also writes its name and number to the
    /// extension (a new queue's extension was just inserted with them).
    func save(_ id: UUID, tenantID: UUID, _ document: QueueDocument, renaming: Bool, on connection: PostgresConnection) async throws {
        try await connection.query("""
            INSERT INTO queues (tenant_id, extension_id, settings) VALUES (\(tenantID), \(id), \(try PostgresJSON(document.settings)))
            ON CONFLICT (extension_id) DO UPDATE SET settings = EXCLUDED.settings
            """)
        guard renaming else { return }
        try await connection.query("""
            UPDATE extensions SET name = \(document.name), number = \(document.number), version = version + 1, updated_at = now() WHERE id = \(id)
            """)
    }

    static func decode(_ row: PostgresRow) throws -> QueueView {
        let settings = try row.decode(PostgresJSON.self, "settings").decode(QueueSettings.self)
        return QueueView(id: try row.decode(String.self, "id"),
                         document: QueueDocument(name: try row.decode(String.self, "name"), number: try row.decode(String.self, "number"), settings: settings),
                         agents: try row.decode(Int.self, "agents"), agentsLoggedIn: try row.decode(Int.self, "agents_logged_in"),
                         version: try row.decode(Int.self, "version"),
                         createdAt: try row.decode(Date.self, "created_at"), updatedAt: try row.decode(Date.self, "updated_at"))
    }
}
