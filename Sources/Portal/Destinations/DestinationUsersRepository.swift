import Foundation
import Postgres

/// What routes calls to an object (a phone or its voicemail, a queue, an IVR, a call flow), so
/// deleting it can be refused with the list of what to change first.
struct DestinationUsersRepository: Sendable {
    /// Public numbers, rules (of other extensions), queues, IVR options and call flows that send
    /// calls to `id`.
    func users(of id: UUID, on connection: PostgresConnection) async throws -> [String] {
        let needle = "%" + id.uuidString.lowercased() + "%"
        return try await connection.query("""
            SELECT 'public number ' || number AS what FROM public_numbers WHERE destination_id = \(id)
            UNION ALL SELECT 'a rule of extension ' || e.number FROM rules r JOIN extensions e ON e.id = r.extension_id
                WHERE r.extension_id <> \(id) AND r.definition::text LIKE \(needle)
            UNION ALL SELECT 'queue ' || e.number FROM queues q JOIN extensions e ON e.id = q.extension_id
                WHERE q.extension_id <> \(id) AND q.settings::text LIKE \(needle)
            UNION ALL SELECT 'IVR context ' || c.name FROM ivr_options o JOIN ivr_contexts c ON c.id = o.context_id
                WHERE c.ivr_id <> \(id) AND o.actions::text LIKE \(needle)
            UNION ALL SELECT 'call flow ' || name FROM call_flows WHERE id <> \(id) AND actions::text LIKE \(needle)
            ORDER BY 1
            """).map { try $0.decode(String.self, "what") }
    }
}
