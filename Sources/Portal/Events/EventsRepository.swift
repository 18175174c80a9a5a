import Foundation
import Postgres

/// The SQL behind media-node reports (operator scope: a node is not a tenant's user).
struct EventsRepository: Sendable {
    func nodeSecret(_ node: UUID, on c: PostgresConnection) async throws -> String? {
        // Only through the definer function, in operator scope: the portal's role cannot read secrets.
        try await c.query("SELECT app_node_secret(\(node)) AS secret").first?.decode(String?.self, "secret")
    }

    /// The tenant with this dial-plan key (`t<n>`), if it is served by the node.
    func tenant(key: String, servedBy node: UUID, on c: PostgresConnection) async throws -> UUID? {
        guard key.hasPrefix("t"), let number = Int(key.dropFirst()) else { return nil }
        guard let key = Int32(exactly: number) else { return nil }
        // Across tenants, so through the definer function: tenant policies have no operator bypass.
        return try await c.query("SELECT app_node_tenant(\(node), \(Int(key))::int) AS id").first?.decode(UUID?.self, "id")
    }

    /// Notes a report as taken; false when it was taken before (a resent batch).
    func firstSighting(_ tenantID: UUID, eventID: String, on c: PostgresConnection) async throws -> Bool {
        try await c.query("""
            INSERT INTO node_events_seen (tenant_id, event_id) VALUES (\(tenantID), \(String(eventID.prefix(64))))
            ON CONFLICT DO NOTHING RETURNING event_id
            """).first != nil
    }
}
