import Foundation
import Postgres
import Telephony

/// A rule as the API shows it: the domain rule plus its identity and place.
struct RuleView: Encodable, Sendable, Equatable {
    var id: String
    var extensionId: String
    var position: Int
    var rule: IncomingRule
    /// For rules with a keypad code: on or off as last reported by the media node (`*74N`).
    var switchedOn: Bool?
    var version: Int
    var createdAt: Date
    var updatedAt: Date

    func encode(to encoder: any Encoder) throws {
        try rule.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(id, forKey: .id)
        try c.encode(extensionId, forKey: .extensionId)
        try c.encode(position, forKey: .position)
        try c.encodeIfPresent(switchedOn, forKey: .switchedOn)
        try c.encode(version, forKey: .version)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
    }

    private enum Keys: String, CodingKey { case id, extensionId, position, switchedOn, version, createdAt, updatedAt }
}

/// The SQL of rules.
struct RulesRepository: Sendable {
    static let columns = """
        id::text AS id, extension_id::text AS extension_id, position, definition, version, created_at, updated_at, keypad_code,
        (SELECT t.active FROM rule_toggles t JOIN extensions e ON e.id = rules.extension_id
         WHERE t.tenant_id = rules.tenant_id AND t.extension_number = e.number AND t.code = rules.keypad_code) AS switched_on
        """

    func list(extension id: UUID, on connection: PostgresConnection) async throws -> [RuleView] {
        try await connection.query("SELECT \(unsafeRaw: Self.columns) FROM rules WHERE extension_id = \(id) ORDER BY position").map(Self.decode)
    }

    func find(_ id: UUID, extension ext: UUID, forUpdate: Bool = false, on connection: PostgresConnection) async throws -> RuleView? {
        try await connection.query("""
            SELECT \(unsafeRaw: Self.columns) FROM rules WHERE id = \(id) AND extension_id = \(ext)\(unsafeRaw: forUpdate ? " FOR UPDATE" : "")
            """).first.map(Self.decode)
    }

    /// Appends the rule after the extension's last one.
    func create(_ rule: IncomingRule, extension ext: UUID, tenantID: UUID, on connection: PostgresConnection) async throws -> RuleView {
        let rows = try await connection.query("""
            INSERT INTO rules (tenant_id, extension_id, position, kind, enabled, continue_after, interval_id, keypad_code, definition)
            SELECT \(tenantID), \(ext), coalesce(max(position), 0) + 1, \(rule.kind.rawValue), \(rule.enabled), \(rule.continue),
                   \(rule.intervalId.flatMap(UUID.init(uuidString:))), \(rule.keypadCode), \(try PostgresJSON(rule))
            FROM rules WHERE extension_id = \(ext)
            RETURNING \(unsafeRaw: Self.columns)
            """)
        guard let row = rows.first else { throw PostgresError(.client, "INSERT returned no row") }
        return try Self.decode(row)
    }

    func update(_ id: UUID, _ rule: IncomingRule, on connection: PostgresConnection) async throws -> RuleView? {
        try await connection.query("""
            UPDATE rules SET kind = \(rule.kind.rawValue), enabled = \(rule.enabled), continue_after = \(rule.continue),
                interval_id = \(rule.intervalId.flatMap(UUID.init(uuidString:))), keypad_code = \(rule.keypadCode),
                definition = \(try PostgresJSON(rule)), version = version + 1, updated_at = now()
            WHERE id = \(id) RETURNING \(unsafeRaw: Self.columns)
            """).first.map(Self.decode)
    }

    /// Deletes the rule and closes the gap in the positions.
    func delete(_ id: UUID, extension ext: UUID, on connection: PostgresConnection) async throws {
        try await connection.query("DELETE FROM rules WHERE id = \(id)")
        try await renumber(extension: ext, on: connection)
    }

    /// Puts the rules in exactly the order of `ids` (all of the extension's rules, each once).
    func reorder(extension ext: UUID, ids: [UUID], on connection: PostgresConnection) async throws {
        for (index, id) in ids.enumerated() {
            try await connection.query("UPDATE rules SET position = \(index + 1), version = version + 1, updated_at = now() WHERE id = \(id) AND extension_id = \(ext)")
        }
    }

    func renumber(extension ext: UUID, on connection: PostgresConnection) async throws {
        try await connection.query("""
            UPDATE rules r SET position = n.position FROM (
                SELECT id, row_number() OVER (ORDER BY position)::int AS position FROM rules WHERE extension_id = \(ext)
            ) n WHERE r.id = n.id AND r.position <> n.position
            """)
    }

    /// Rules that use the interval, as "rule N of extension NNNN", for the in-use refusal.
    func users(ofInterval id: UUID, on connection: PostgresConnection) async throws -> [String] {
        try await connection.query("""
            SELECT r.position, e.number FROM rules r JOIN extensions e ON e.id = r.extension_id
            WHERE r.interval_id = \(id) ORDER BY e.number, r.position
            """).map { "rule \(try $0.decode(Int.self, "position")) of extension \(try $0.decode(String.self, "number"))" }
    }

    static func decode(_ row: PostgresRow) throws -> RuleView {
        RuleView(id: try row.decode(String.self, "id"), extensionId: try row.decode(String.self, "extension_id"),
                 position: try row.decode(Int.self, "position"), rule: try row.decode(PostgresJSON.self, "definition").decode(IncomingRule.self),
                 switchedOn: try row.decode(Int?.self, "keypad_code") == nil ? nil : (try row.decode(Bool?.self, "switched_on") ?? true),
                 version: try row.decode(Int.self, "version"), createdAt: try row.decode(Date.self, "created_at"),
                 updatedAt: try row.decode(Date.self, "updated_at"))
    }
}
