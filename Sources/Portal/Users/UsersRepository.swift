import Foundation
import Postgres

/// The SQL of users. Every method runs on a connection whose transaction already carries the
/// tenant scope (see `TenantDatabase`).
struct UsersRepository: Sendable {
    static let columns = """
        id, tenant_id, username::text AS username, role, first_name, last_name, phone, email::text AS email, address, city,
        postal_code, country, region, timezone, language, phone_language, version, created_at, updated_at
        """

    /// Users of the scoped tenant by last name, first name, ID; `search` matches first name,
    /// last name, username and e-mail ignoring case and accents.
    func list(search: String?, limit: Int, after cursor: UserCursor?, on connection: PostgresConnection) async throws -> ListPage<UserView> {
        var filter: PostgresQuery = "tenant_id = app_tenant()"
        if let search, !search.isEmpty {
            let pattern = NameCursor.likePattern(search)
            filter.append(" AND search_fold(first_name || ' ' || last_name || ' ' || username || ' ' || coalesce(email::text, '')) LIKE search_fold(\(pattern))")
        }
        let page = try await PageQuery(
            table: "users", columns: Self.columns, filter: filter,
            after: cursor.map { "(lower(last_name), lower(first_name), id) > (\($0.lastName), \($0.firstName), \($0.id))" },
            order: "lower(last_name), lower(first_name), id", limit: limit + 1).run(on: connection)
        return ListPage(page: try page.rows.map(Self.decode), limit: limit, total: page.total) {
            UserCursor(lastName: $0.lastName.lowercased(), firstName: $0.firstName.lowercased(), id: $0.id).encoded
        }
    }

    /// Replaces the editable fields, and with a new password hash ends the user's sessions.
    func update(_ id: UUID, fields: UserFields, passwordHash: String?, on connection: PostgresConnection) async throws -> UserView? {
        let rows = try await connection.query("""
            UPDATE users SET first_name = \(fields.firstName), last_name = \(fields.lastName), username = \(fields.username),
                role = \(fields.role), phone = \(fields.phone), email = \(fields.email), address = \(fields.address), city = \(fields.city),
                postal_code = \(fields.postalCode), country = \(fields.country), region = \(fields.region), timezone = \(fields.timezone),
                language = \(fields.language), phone_language = \(fields.phoneLanguage),
                password_hash = coalesce(\(passwordHash), password_hash),
                password_changed_at = CASE WHEN \(passwordHash)::text IS NULL THEN password_changed_at ELSE now() END,
                version = version + 1, updated_at = now()
            WHERE id = \(id)
            RETURNING \(unsafeRaw: Self.columns)
            """)
        if passwordHash != nil { try await endSessions(of: id, on: connection) }
        return try rows.first.map(Self.decode)
    }

    /// The row locked for the rest of the transaction (no concurrent change in between).
    func findForUpdate(_ id: UUID, on connection: PostgresConnection) async throws -> UserView? {
        try await connection.query("SELECT \(unsafeRaw: Self.columns) FROM users WHERE id = \(id) FOR UPDATE").first.map(Self.decode)
    }

    /// Admins of the scoped tenant, locked, so two concurrent demotions cannot both see a
    /// second admin.
    func lockAdmins(on connection: PostgresConnection) async throws -> [String] {
        try await connection.query("SELECT id FROM users WHERE tenant_id = app_tenant() AND role = 'admin' ORDER BY id FOR UPDATE")
            .map { try $0.decode(String.self, "id") }
    }

    /// What deleting the user also removes: their extensions (with their voicemail), open
    /// sessions and stored bytes.
    func dependents(of id: UUID, on connection: PostgresConnection) async throws -> UserDependents {
        let row = try await connection.query("""
            SELECT (SELECT count(*)::int FROM sessions WHERE user_id = \(id)) AS sessions,
                   (SELECT coalesce(sum(bytes), 0)::bigint FROM storage_usage WHERE user_id = \(id)) AS stored_bytes
            """).first
        let extensions = try await connection.query("SELECT number FROM extensions WHERE owner_id = \(id) ORDER BY number")
            .map { try $0.decode(String.self, "number") }
        return UserDependents(extensions: extensions, sessions: try row?.decode(Int.self, "sessions") ?? 0,
                              storedBytes: try row?.decode(Int.self, "stored_bytes") ?? 0)
    }

    func delete(_ id: UUID, on connection: PostgresConnection) async throws {
        try await connection.query("DELETE FROM users WHERE id = \(id)")
    }

    struct NewUser: Sendable {
        var tenantID: UUID?
        var passwordHash: String
        var fields: UserFields
    }

    func find(_ id: UUID, on connection: PostgresConnection) async throws -> UserView? {
        let rows = try await connection.query("SELECT \(unsafeRaw: Self.columns) FROM users WHERE id = \(id)")
        return try rows.first.map(Self.decode)
    }

    func passwordHash(of id: UUID, on connection: PostgresConnection) async throws -> String? {
        try await connection.query("SELECT password_hash FROM users WHERE id = \(id)").first?.decode(String.self, "password_hash")
    }

    /// Operators (no tenant) get the role `operator` whatever `fields.role` says.
    func create(_ user: NewUser, on connection: PostgresConnection) async throws -> UserView {
        let f = user.fields
        let role = user.tenantID == nil ? "operator" : f.role
        let rows = try await connection.query("""
            INSERT INTO users (tenant_id, username, password_hash, role, first_name, last_name, email, language, phone, address,
                               city, postal_code, country, region, timezone, phone_language)
            VALUES (\(user.tenantID), \(f.username), \(user.passwordHash), \(role), \(f.firstName), \(f.lastName),
                    \(f.email), \(f.language), \(f.phone), \(f.address), \(f.city), \(f.postalCode), \(f.country),
                    \(f.region), \(f.timezone), \(f.phoneLanguage))
            RETURNING \(unsafeRaw: Self.columns)
            """)
        guard let row = rows.first else { throw PostgresError(.client, "INSERT returned no row") }
        return try Self.decode(row)
    }

    /// Stores a new password hash and ends every session of the user.
    func setPassword(_ id: UUID, hash: String, on connection: PostgresConnection) async throws {
        try await connection.query("""
            UPDATE users SET password_hash = \(hash), password_changed_at = now(), updated_at = now(), version = version + 1
            WHERE id = \(id)
            """)
        try await endSessions(of: id, on: connection)
    }

    /// The same password hashed at today's cost (sessions stay: the password did not change).
    func upgradeHash(_ id: UUID, hash: String, on connection: PostgresConnection) async throws {
        try await connection.query("UPDATE users SET password_hash = \(hash) WHERE id = \(id)")
    }

    func endSessions(of id: UUID, on connection: PostgresConnection) async throws {
        try await connection.query("DELETE FROM sessions WHERE user_id = \(id)")
    }

    static func decode(_ row: PostgresRow) throws -> UserView {
        var fields = UserFields()
        fields.username = try row.decode(String.self, "username")
        fields.role = try row.decode(String.self, "role")
        fields.firstName = try row.decode(String.self, "first_name")
        fields.lastName = try row.decode(String.self, "last_name")
        fields.phone = try row.decode(String?.self, "phone")
        fields.email = try row.decode(String?.self, "email")
        fields.address = try row.decode(String?.self, "address")
        fields.city = try row.decode(String?.self, "city")
        fields.postalCode = try row.decode(String?.self, "postal_code")
        fields.country = try row.decode(String?.self, "country")
        fields.region = try row.decode(String?.self, "region")
        fields.timezone = try row.decode(String?.self, "timezone")
        fields.language = try row.decode(String.self, "language")
        fields.phoneLanguage = try row.decode(String.self, "phone_language")
        return UserView(
            id: try row.decode(String.self, "id"), tenantId: try row.decode(String?.self, "tenant_id"), fields: fields,
            version: try row.decode(Int.self, "version"), createdAt: try row.decode(Date.self, "created_at"),
            updatedAt: try row.decode(Date.self, "updated_at"))
    }
}
