import Foundation
import Postgres
import Telephony

/// The SQL behind destination checks: whether what a destination names exists in the scoped
/// tenant (row-level security hides every other tenant's rows).
struct DestinationTargetsRepository: Sendable {
    /// Whether the object exists; external numbers always do, rule groups never (not built).
    func exists(_ destination: Destination, on connection: PostgresConnection) async throws -> Bool {
        switch destination {
        case .external:
            return true
        case .ruleGroup:
            return false
        case .extensionTarget(let text), .voicemail(let text):
            guard let id = UUID(uuidString: text) else { return false }
            return try await connection.query("SELECT 1 AS found FROM extensions WHERE id = \(id) AND kind = 'phone'").first != nil
        case .queue(let text), .ivr(let text):
            guard let id = UUID(uuidString: text) else { return false }
            return try await connection.query("SELECT 1 AS found FROM extensions WHERE id = \(id) AND kind = \(destination.type)").first != nil
        case .group(let text):
            guard let id = UUID(uuidString: text) else { return false }
            return try await connection.query("SELECT 1 AS found FROM extension_groups WHERE id = \(id)").first != nil
        case .callFlow(let text):
            guard let id = UUID(uuidString: text) else { return false }
            return try await connection.query("SELECT 1 AS found FROM call_flows WHERE id = \(id)").first != nil
        }
    }
}
