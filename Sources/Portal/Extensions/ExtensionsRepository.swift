import Foundation
import Postgres

/// An extension as the API shows it (EXT-1); never its HA1.
struct ExtensionView: Codable, Sendable, Equatable {
    var id: String
    var kind: String
    var ownerId: String?
    var number: String
    var name: String
    var sipUsername: String
    var sipServer: String
    var ringSeconds: Int
    /// Public numbers routed to this extension or its voicemail (read-only).
    var publicNumbers: [String]
    var version: Int
    var createdAt: Date
    var updatedAt: Date
}

/// A registration the media node reported.
struct DeviceView: Codable, Sendable, Equatable {
    var contact: String
    var userAgent: String?
    var address: String?
    var registeredAt: Date
    var expiresAt: Date
}

/// The SQL of extensions.
struct ExtensionsRepository: Sendable {
    static let columns = """
        id::text AS id, kind, owner_id::text AS owner_id, number, name, sip_username, ring_seconds, version, created_at, updated_at,
        ARRAY(SELECT p.number FROM public_numbers p WHERE p.tenant_id = extensions.tenant_id AND p.destination_id = extensions.id
              AND p.destination_type IN ('extension', 'voicemail') ORDER BY p.number) AS public_numbers
        """

    struct Fields: Sendable, Equatable {
        var kind: String
        var ownerID: UUID?
        var number: String
        var name: String
        var ringSeconds: Int
    }

    func list(owner: UUID?, kind: String?, search: String?, limit: Int, afterNumber: String?, sipServer: String,
              on connection: PostgresConnection) async throws -> (items: [ExtensionView], total: Int) {
        var filter: PostgresQuery = "tenant_id = app_tenant()"
        if let owner { filter.append(" AND owner_id = \(owner)") }
        if let kind { filter.append(" AND kind = \(kind)") }
        if let search, !search.isEmpty {
            filter.append(" AND (number LIKE \(NameCursor.likePattern(search)) OR search_fold(name) LIKE search_fold(\(NameCursor.likePattern(search))) OR sip_username LIKE \(NameCursor.likePattern(search)))")
        }
        let page = try await PageQuery(table: "extensions", columns: Self.columns, filter: filter,
                                       after: afterNumber.map { "number > \($0)" }, order: "number", limit: limit).run(on: connection)
        return (try page.rows.map { try Self.decode($0, sipServer: sipServer) }, page.total)
    }

    func find(_ id: UUID, forUpdate: Bool = false, sipServer: String, on connection: PostgresConnection) async throws -> ExtensionView? {
        try await connection.query("SELECT \(unsafeRaw: Self.columns) FROM extensions WHERE id = \(id)\(unsafeRaw: forUpdate ? " FOR UPDATE" : "")")
            .first.map { try Self.decode($0, sipServer: sipServer) }
    }

    /// Locks the tenant row (so concurrent creations count one after the other) and returns
    /// how many extensions exist and how many the plan allows.
    func countAgainstPlan(on connection: PostgresConnection) async throws -> (count: Int, limit: Int) {
        let limit = try await connection.query("SELECT max_extensions FROM tenants WHERE id = app_tenant() FOR UPDATE").first?.decode(Int.self, "max_extensions") ?? 0
        let count = try await connection.query("SELECT count(*)::int AS c FROM extensions WHERE tenant_id = app_tenant()").first?.decode(Int.self, "c") ?? 0
        return (count, limit)
    }

    /// Inserts, or returns nil when the SIP username is taken anywhere on the platform (the
    /// caller draws another).
    func create(_ f: Fields, tenantID: UUID, sipUsername: String, ha1: String, sipServer: String,
                on connection: PostgresConnection) async throws -> ExtensionView? {
        try await connection.query("""
            INSERT INTO extensions (tenant_id, kind, owner_id, number, name, sip_username, sip_ha1, ring_seconds)
            VALUES (\(tenantID), \(f.kind), \(f.ownerID), \(f.number), \(f.name), \(sipUsername), \(ha1), \(f.ringSeconds))
            ON CONFLICT (sip_username) DO NOTHING
            RETURNING \(unsafeRaw: Self.columns)
            """).first.map { try Self.decode($0, sipServer: sipServer) }
    }

    /// An extension this transaction locked, as it reads now, and the transaction's timestamp.
    struct Locked: Sendable {
        var current: ExtensionView
        var now: Date
    }

    /// The extension to change, locked until the transaction ends, and the transaction's
    /// timestamp: what `update` will store as `updated_at`. A row this transaction already
    /// changed (writes combined into one transaction) is known without asking again.
    func lock(_ id: UUID, sipServer: String, on connection: PostgresConnection) async throws -> Locked? {
        if let known = connection.remembered(Self.lockedKey(id)) as? Locked { return known }
        return try await connection.query("SELECT \(unsafeRaw: Self.columns), now() AS now FROM extensions WHERE id = \(id) FOR UPDATE")
            .first.map { Locked(current: try Self.decode($0, sipServer: sipServer), now: try $0.decode(Date.self, "now")) }
    }

    /// Writes `f` over the row `lock` locked, and returns the row as it now reads. Nothing else
    /// can have changed it since, so the row is known without reading it back: the statement
    /// leaves without waiting, with the transaction's next statement or its COMMIT, which also
    /// bring back its error (a taken number).
    func update(_ locked: Locked, id: UUID, to f: Fields, on connection: PostgresConnection) async throws -> ExtensionView {
        try await connection.queryLater("""
            UPDATE extensions SET owner_id = \(f.ownerID), number = \(f.number), name = \(f.name), ring_seconds = \(f.ringSeconds),
                version = version + 1, updated_at = now()
            WHERE id = \(id)
            """)
        var updated = locked.current
        updated.ownerId = f.ownerID?.lowercased
        updated.number = f.number
        updated.name = f.name
        updated.ringSeconds = f.ringSeconds
        updated.version = locked.current.version + 1
        updated.updatedAt = locked.now
        connection.remember(Self.lockedKey(id), Locked(current: updated, now: locked.now))
        return updated
    }

    private static func lockedKey(_ id: UUID) -> String { "extension " + id.uuidString }

    func setHA1(_ id: UUID, _ ha1: String, on connection: PostgresConnection) async throws {
        try await connection.query("UPDATE extensions SET sip_ha1 = \(ha1), version = version + 1, updated_at = now() WHERE id = \(id)")
    }

    func delete(_ id: UUID, on connection: PostgresConnection) async throws {
        try await connection.query("DELETE FROM extensions WHERE id = \(id)")
    }

    func devices(of id: UUID, on connection: PostgresConnection) async throws -> [DeviceView] {
        try await connection.query("""
            SELECT contact, user_agent, address, registered_at, expires_at FROM extension_devices
            WHERE extension_id = \(id) AND expires_at > now() ORDER BY registered_at DESC
            """).map { row in
            DeviceView(contact: try row.decode(String.self, "contact"), userAgent: try row.decode(String?.self, "user_agent"),
                       address: try row.decode(String?.self, "address"), registeredAt: try row.decode(Date.self, "registered_at"),
                       expiresAt: try row.decode(Date.self, "expires_at"))
        }
    }

    static func decode(_ row: PostgresRow, sipServer: String) throws -> ExtensionView {
        ExtensionView(id: try row.decode(String.self, "id"), kind: try row.decode(String.self, "kind"), ownerId: try row.decode(String?.self, "owner_id"),
                      number: try row.decode(String.self, "number"), name: try row.decode(String.self, "name"),
                      sipUsername: try row.decode(String.self, "sip_username"), sipServer: sipServer,
                      ringSeconds: try row.decode(Int.self, "ring_seconds"), publicNumbers: try row.decode([String].self, "public_numbers"), version: try row.decode(Int.self, "version"),
                      createdAt: try row.decode(Date.self, "created_at"), updatedAt: try row.decode(Date.self, "updated_at"))
    }
}
