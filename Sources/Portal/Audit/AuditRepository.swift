import Foundation
import Postgres

/// One audit row as the API shows it.
struct AuditEntry: Codable, Sendable, Equatable {
    var id: Int
    var at: Date
    var actor: String
    var actorUserId: String?
    var actorApiKeyId: String?
    var entity: String
    var entityId: String
    var action: String
    var before: [String: AuditValue]?
    var after: [String: AuditValue]?
}

/// The SQL of reading the audit log (writing is `AuditRecorder`).
struct AuditRepository: Sendable {
    struct Filter: Sendable {
        var entity: String?
        var userID: UUID?
        var from: Date?
        var to: Date?
        var beforeID: Int?
        var limit: Int
    }

    func list(_ filter: Filter, on connection: PostgresConnection) async throws -> (items: [AuditEntry], total: Int) {
        var conditions: PostgresQuery = "tenant_id = app_tenant()"
        if let entity = filter.entity { conditions.append(" AND entity = \(entity)") }
        if let user = filter.userID { conditions.append(" AND actor_user_id = \(user)") }
        if let from = filter.from { conditions.append(" AND at >= \(from)") }
        if let to = filter.to { conditions.append(" AND at < \(to)") }
        let total = try await connection.query("SELECT count(*)::int AS c FROM audit_log WHERE \(fragment: conditions)").first?.decode(Int.self, "c") ?? 0
        var page: PostgresQuery = """
            SELECT id, at, actor_name, actor_user_id::text AS actor_user_id, actor_api_key_id::text AS actor_api_key_id, entity, entity_id,
                   action, before, after
            FROM audit_log WHERE \(fragment: conditions)
            """
        if let beforeID = filter.beforeID { page.append(" AND id < \(beforeID)") }
        page.append(" ORDER BY id DESC LIMIT \(filter.limit)")
        let items = try await connection.query(page).map { row in
            AuditEntry(id: try row.decode(Int.self, "id"), at: try row.decode(Date.self, "at"), actor: try row.decode(String.self, "actor_name"),
                       actorUserId: try row.decode(String?.self, "actor_user_id"), actorApiKeyId: try row.decode(String?.self, "actor_api_key_id"),
                       entity: try row.decode(String.self, "entity"), entityId: try row.decode(String.self, "entity_id"),
                       action: try row.decode(String.self, "action"),
                       before: try row.decode(PostgresJSON?.self, "before").map { try $0.decode([String: AuditValue].self) },
                       after: try row.decode(PostgresJSON?.self, "after").map { try $0.decode([String: AuditValue].self) })
        }
        return (items, total)
    }
}
