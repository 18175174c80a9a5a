import Foundation
import Postgres
import Testing
import TestSupport

/// Isolation holds even for a query with no WHERE: as the portal's role, with `app.tenant_id`
/// set to tenant A, every tenant table shows only A's rows; with it unset, none.
@Suite struct RowLevelSecurityTests {
    static let tenantTables = ["users", "sessions", "api_keys", "audit_log", "storage_usage", "intervals", "extensions", "rules", "public_numbers", "extension_groups"]

    @Test func aQueryWithoutWhereSeesOnlyTheScopedTenant() async throws {
        try await withLivePortal(label: "rls") { portal async throws in
            var tenants: [UUID] = []
            for name in ["A", "B"] {
                let tenant = try #require(UUID(uuidString: try await portal.createTenant("Tenant \(name)")))
                tenants.append(tenant)
                for role in ["admin", "member"] {
                    let user = try await portal.createUser(tenant: tenant.uuidString, role: role)
                    let userID = try #require(UUID(uuidString: user.id))
                    try await portal.owner.query("""
                        INSERT INTO sessions (tenant_id, token_hash, user_id, csrf_token, expires_at)
                        VALUES (\(tenant), \(PostgresBytes(Array(UUID().uuidString.utf8))), \(userID), 'x', now() + interval '1 hour')
                        """)
                    try await portal.owner.query("""
                        INSERT INTO storage_usage (tenant_id, user_id, kind, bytes) VALUES (\(tenant), \(userID), 'voicemail', 10)
                        """)
                    try await portal.owner.query("""
                        INSERT INTO intervals (tenant_id, owner_id, name, timezone, start_minute, end_minute)
                        VALUES (\(tenant), \(userID), 'hours', 'Europe/Madrid', 540, 1080)
                        """)
                    try await portal.owner.query("""
                        INSERT INTO extensions (tenant_id, kind, owner_id, number, sip_username, sip_ha1)
                        VALUES (\(tenant), 'phone', \(userID), \(role == "admin" ? "1001" : "1002"),
                                \(String(100_000_000 + tenants.count * 10 + (role == "admin" ? 1 : 2))), \(String(repeating: "a", count: 32)))
                        """)
                    try await portal.owner.query("""
                        INSERT INTO rules (tenant_id, extension_id, position, kind, enabled, continue_after, definition)
                        SELECT tenant_id, id, 1, 'hangup', true, false, '{"kind":"hangup"}' FROM extensions WHERE owner_id = \(userID)
                        """)
                }
                try await portal.owner.query("""
                    INSERT INTO api_keys (tenant_id, name, prefix, secret_hash, role)
                    VALUES (\(tenant), 'k', 'ck', \(PostgresBytes(Array(UUID().uuidString.utf8))), 'member')
                    """)
                try await portal.owner.query("""
                    INSERT INTO audit_log (tenant_id, actor_name, entity, entity_id, action) VALUES (\(tenant), 'test', 'user', 'x', 'create')
                    """)
                try await portal.owner.query("""
                    INSERT INTO public_numbers (tenant_id, number) VALUES (\(tenant), \("+3491000000" + String(tenants.count)))
                    """)
                try await portal.owner.query("INSERT INTO extension_groups (tenant_id, name) VALUES (\(tenant), 'group')")
            }
            // The portal's own pool works as centralita_app.
            let (a, b) = (tenants[0], tenants[1])
            for table in Self.tenantTables {
                let total = try await portal.owner.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int AS c FROM \(table)")).first?.decode(Int.self, "c") ?? 0
                let seen = try await portal.app.pool.transaction { connection -> [UUID] in
                    try await connection.setLocal("app.tenant_id", a.uuidString.lowercased())
                    return try await connection.query(PostgresQuery(unsafeSQL: "SELECT tenant_id FROM \(table)")).map { try $0.decode(UUID.self, "tenant_id") }
                }
                #expect(!seen.isEmpty, "\(table)")
                #expect(seen.allSatisfy { $0 == a }, "\(table) leaked another tenant's rows")
                #expect(seen.count < total, "\(table)")
                let unscoped = try await portal.app.pool.transaction { connection in
                    try await connection.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int AS c FROM \(table)")).first?.decode(Int.self, "c")
                }
                #expect(unscoped == 0, "\(table) without a tenant")
            }
            let visibleTenants = try await portal.app.pool.transaction { connection in
                try await connection.setLocal("app.tenant_id", b.uuidString.lowercased())
                return try await connection.query("SELECT id FROM tenants").map { try $0.decode(UUID.self, "id") }
            }
            #expect(visibleTenants == [b])
        }
    }

    @Test func writesIntoAnotherTenantAreRefused() async throws {
        try await withLivePortal(label: "rls_write") { portal async throws in
            let a = try #require(UUID(uuidString: try await portal.createTenant("A")))
            let b = try #require(UUID(uuidString: try await portal.createTenant("B")))
            let error = try await #require(throws: PostgresError.self) {
                try await portal.app.pool.transaction { connection in
                    try await connection.setLocal("app.tenant_id", a.uuidString.lowercased())
                    try await connection.query("""
                        INSERT INTO users (tenant_id, username, password_hash, role) VALUES (\(b), 'intruder', 'x', 'admin')
                        """)
                }
            }
            #expect(error.sqlState == "42501")
            let updated = try await portal.app.pool.transaction { connection in
                try await connection.setLocal("app.tenant_id", a.uuidString.lowercased())
                return try await connection.query("UPDATE tenants SET name = 'hijacked' WHERE id = \(b)").affectedRows
            }
            #expect(updated == 0)
        }
    }

    @Test func thePortalRoleOwnsNothingAndCannotBypassSecurity() async throws {
        try await withLivePortal(label: "rls_role") { portal async throws in
            let row = try #require(try await portal.app.pool.query("""
                SELECT current_user AS role, r.rolsuper, r.rolbypassrls,
                       (SELECT count(*)::int FROM pg_tables WHERE tableowner = current_user) AS owned
                FROM pg_roles r WHERE r.rolname = current_user
                """).first)
            #expect(try row.decode(String.self, "role") == "centralita_app")
            #expect(try row.decode(Bool.self, "rolsuper") == false)
            #expect(try row.decode(Bool.self, "rolbypassrls") == false)
            #expect(try row.decode(Int.self, "owned") == 0)
        }
    }
}
