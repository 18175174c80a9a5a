import Foundation
import Postgres
import Telephony

/// An IVR context (IVR-1) with its options (IVR-2).
struct IVRContextView: Encodable, Sendable {
    struct Option: Encodable, Sendable, Equatable {
        var key: String
        var actionCount: Int
        /// Present when one context is read, absent in lists.
        var actions: [MenuAction]?
    }
    var id: String
    var ivrId: String
    var name: String
    var entry: Bool
    var directDial: Bool
    var timeoutSeconds: Int
    var maxRetries: Int
    /// Every key, in menu order, with how many actions it holds.
    var options: [Option]
    var version: Int
    var createdAt: Date
    var updatedAt: Date
}

/// What a context's settings are, as written.
struct IVRContextFields: Sendable, Equatable {
    var name: String
    var entry: Bool
    var directDial: Bool
    var timeoutSeconds: Int
    var maxRetries: Int
}

/// The SQL of IVR contexts and options.
struct IVRContextsRepository: Sendable {
    /// Option keys in the order menus list them.
    static let keys = ["start", "timeout", "invalid", "1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "star", "hash"]

    /// A context's columns; `options` maps each key to its actions, or (for lists, which show
    /// only how many there are) to their count, so lists do not read every action.
    static func columns(withActions: Bool) -> String {
        """
        c.id::text AS id, c.ivr_id::text AS ivr_id, c.name, c.is_entry, c.direct_dial, c.timeout_seconds, c.max_retries, c.version,
        c.created_at, c.updated_at,
        COALESCE((SELECT jsonb_object_agg(o.key, \(withActions ? "o.actions" : "jsonb_array_length(o.actions)"))
                  FROM ivr_options o WHERE o.context_id = c.id), '{}'::jsonb) AS options
        """
    }

    func list(ivr: UUID, on c: PostgresConnection) async throws -> [IVRContextView] {
        try await c.query("""
            SELECT \(unsafeRaw: Self.columns(withActions: false)) FROM ivr_contexts c WHERE c.ivr_id = \(ivr) ORDER BY c.is_entry DESC, c.created_at, c.id
            """).map { try Self.decode($0, withActions: false) }
    }

    func find(_ id: UUID, ivr: UUID, forUpdate: Bool = false, on c: PostgresConnection) async throws -> IVRContextView? {
        try await c.query("""
            SELECT \(unsafeRaw: Self.columns(withActions: true)) FROM ivr_contexts c
            WHERE c.id = \(id) AND c.ivr_id = \(ivr)\(unsafeRaw: forUpdate ? " FOR UPDATE OF c" : "")
            """).first.map { try Self.decode($0, withActions: true) }
    }

    func count(ivr: UUID, on c: PostgresConnection) async throws -> Int {
        try await c.query("SELECT count(*) AS n FROM ivr_contexts WHERE ivr_id = \(ivr)").first?.decode(Int.self, "n") ?? 0
    }

    /// Clears the entry mark of every context of the IVR (before another takes it).
    func clearEntry(ivr: UUID, on c: PostgresConnection) async throws {
        try await c.query("UPDATE ivr_contexts SET is_entry = false, version = version + 1, updated_at = now() WHERE ivr_id = \(ivr) AND is_entry")
    }

    func create(ivr: UUID, tenantID: UUID, _ f: IVRContextFields, on c: PostgresConnection) async throws -> UUID {
        guard let id = try await c.query("""
            INSERT INTO ivr_contexts (tenant_id, ivr_id, name, is_entry, direct_dial, timeout_seconds, max_retries)
            VALUES (\(tenantID), \(ivr), \(f.name), \(f.entry), \(f.directDial), \(f.timeoutSeconds), \(f.maxRetries)) RETURNING id
            """).first?.decode(UUID.self, "id") else { throw PostgresError(.client, "INSERT returned no row") }
        return id
    }

    func update(_ id: UUID, _ f: IVRContextFields, on c: PostgresConnection) async throws {
        try await c.query("""
            UPDATE ivr_contexts SET name = \(f.name), is_entry = \(f.entry), direct_dial = \(f.directDial), timeout_seconds = \(f.timeoutSeconds),
                max_retries = \(f.maxRetries), version = version + 1, updated_at = now()
            WHERE id = \(id)
            """)
    }

    /// Sets one option's actions; an empty list removes the option.
    func setOption(_ context: UUID, tenantID: UUID, key: String, actions: [MenuAction], on c: PostgresConnection) async throws {
        if actions.isEmpty {
            try await c.query("DELETE FROM ivr_options WHERE context_id = \(context) AND key = \(key)")
        } else {
            try await c.query("""
                INSERT INTO ivr_options (tenant_id, context_id, key, actions) VALUES (\(tenantID), \(context), \(key), \(try PostgresJSON(actions)))
                ON CONFLICT (tenant_id, context_id, key) DO UPDATE SET actions = EXCLUDED.actions
                """)
        }
        try await c.query("UPDATE ivr_contexts SET version = version + 1, updated_at = now() WHERE id = \(context)")
    }

    /// After the entry context is deleted, the oldest remaining one becomes the entry.
    func delete(_ id: UUID, ivr: UUID, on c: PostgresConnection) async throws {
        try await c.query("DELETE FROM ivr_contexts WHERE id = \(id)")
        try await c.query("""
            UPDATE ivr_contexts SET is_entry = true, version = version + 1, updated_at = now()
            WHERE id = (SELECT id FROM ivr_contexts WHERE ivr_id = \(ivr) ORDER BY created_at, id LIMIT 1)
              AND NOT EXISTS (SELECT 1 FROM ivr_contexts WHERE ivr_id = \(ivr) AND is_entry)
            """)
    }

    /// Options of the IVR's other contexts that go to `id`.
    func gotoUsers(of id: UUID, ivr: UUID, on c: PostgresConnection) async throws -> [String] {
        try await c.query("""
            SELECT c.name || ' (' || o.key || ')' AS what FROM ivr_options o JOIN ivr_contexts c ON c.id = o.context_id
            WHERE c.ivr_id = \(ivr) AND c.id <> \(id) AND o.actions::text LIKE \("%" + id.uuidString.lowercased() + "%") ORDER BY 1
            """).map { try $0.decode(String.self, "what") }
    }

    static func decode(_ row: PostgresRow, withActions: Bool) throws -> IVRContextView {
        let json = try row.decode(PostgresJSON.self, "options")
        let actions = withActions ? try json.decode([String: [MenuAction]].self) : [:]
        let counts = withActions ? actions.mapValues(\.count) : try json.decode([String: Int].self)
        return IVRContextView(
            id: try row.decode(String.self, "id"), ivrId: try row.decode(String.self, "ivr_id"), name: try row.decode(String.self, "name"),
            entry: try row.decode(Bool.self, "is_entry"), directDial: try row.decode(Bool.self, "direct_dial"),
            timeoutSeconds: try row.decode(Int.self, "timeout_seconds"), maxRetries: try row.decode(Int.self, "max_retries"),
            options: keys.map { key in
                IVRContextView.Option(key: key, actionCount: counts[key] ?? 0, actions: withActions ? (actions[key] ?? []) : nil)
            },
            version: try row.decode(Int.self, "version"), createdAt: try row.decode(Date.self, "created_at"),
            updatedAt: try row.decode(Date.self, "updated_at"))
    }
}
