import Foundation
import Postgres
import Testing
import TestSupport

/// Every table with a `tenant_id`, found from the catalog rather than listed by hand, is
/// forced under row-level security and shows another tenant's rows to nobody.
@Suite struct RowLevelSecurityCatalogTests {
    struct Created: Decodable { var id: String }

    static let tenantTablesSQL: PostgresQuery = """
        SELECT c.relname::text AS name, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
               (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
          AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
        ORDER BY 1
        """

    /// A tenant with something in as many tables as the API reaches.
    func populate(_ portal: LivePortal, _ tenant: String) async throws {
        let t = "/api/v1/tenants/\(tenant)"
        let user = try await portal.createUser(tenant: tenant, role: "admin")
        let admin = try portal.client()
        try await admin.signIn(user.username)
        let phone = try await admin.request("POST", "\(t)/extensions", json: #"{"ownerId":"\#(user.id)","number":"1001"}"#).json(Created.self).id
        let interval = try await admin.request("POST", "\(t)/intervals", json: #"{"name":"Hours","startTime":"09:00","endTime":"18:00"}"#).json(Created.self).id
        _ = try await admin.request("POST", "\(t)/extensions/\(phone)/rules", json: #"{"kind":"hangup","intervalId":"\#(interval)"}"#)
        _ = try await admin.request("POST", "\(t)/extension-groups", json: #"{"name":"Sales","extensionIds":["\#(phone)"]}"#)
        let queue = try await admin.request("POST", "\(t)/queues", json: #"{"name":"Support","number":"2000"}"#).json(Created.self).id
        _ = try await admin.request("POST", "\(t)/queues/\(queue)/agents", json: #"{"extensionId":"\#(phone)"}"#)
        let ivr = try await admin.request("POST", "\(t)/extensions", json: #"{"kind":"ivr","number":"3000"}"#).json(Created.self).id
        let context = try await admin.request("POST", "\(t)/ivrs/\(ivr)/contexts", json: #"{"name":"Main"}"#).json(Created.self).id
        _ = try await admin.request("PUT", "\(t)/ivrs/\(ivr)/contexts/\(context)/options/start", json: #"{"actions":[{"type":"hangup"}]}"#)
        _ = try await admin.request("POST", "\(t)/call-flows", json: #"{"name":"Night","actions":[{"type":"hangup"}]}"#)
        _ = try await admin.request("POST", "\(t)/api-keys", json: #"{"name":"CRM","role":"member"}"#)
        _ = try await admin.request("PUT", "\(t)/extensions/\(phone)/voicemail", json: #"{"enabled":true,"pin":"1234","email":null}"#)
    }

    @Test func everyTenantTableIsForcedUnderRowLevelSecurityWithAPolicy() async throws {
        try await withLivePortal(label: "rls_catalog") { portal async throws in
            let tables = try await portal.owner.query(Self.tenantTablesSQL)
            #expect(tables.count >= 20)
            for row in tables {
                let name = try row.decode(String.self, "name")
                #expect(try row.decode(Bool.self, "enabled"), "\(name) has row-level security")
                #expect(try row.decode(Bool.self, "forced"), "\(name) forces it on its owner")
                #expect(try row.decode(Int.self, "policies") > 0, "\(name) has a policy")
            }
            let bypassing = try await portal.owner.query("""
                SELECT c.relname::text AS name FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
                WHERE EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
                  AND (coalesce(pg_get_expr(p.polqual, p.polrelid), '') LIKE '%app_is_operator%'
                       OR coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '') LIKE '%app_is_operator%')
                """).map { try $0.decode(String.self, "name") }
            #expect(bypassing.isEmpty, "tenant policies with an operator bypass: \(bypassing)")
            let tenants = try #require(try await portal.owner.query("SELECT relforcerowsecurity AS f FROM pg_class WHERE relname = 'tenants'").first)
            #expect(try tenants.decode(Bool.self, "f"))
            let definers = try await portal.owner.query("""
                SELECT p.proname::text AS name, r.rolname::text AS owner, r.rolbypassrls AS bypass, r.rolcanlogin AS login, r.rolsuper AS super
                FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_roles r ON r.oid = p.proowner
                WHERE n.nspname = 'public' AND p.prosecdef
                """)
            #expect(!definers.isEmpty)
            for row in definers {
                let name = try row.decode(String.self, "name")
                #expect(try row.decode(String.self, "owner") == "centralita_definer", "\(name)")
                #expect(try !row.decode(Bool.self, "login") && !row.decode(Bool.self, "super"), "\(name)'s owner cannot log in")
            }
        }
    }

    @Test func noTenantTableShowsAnotherTenantsRows() async throws {
        try await withLivePortal(label: "rls_catalog_rows") { portal async throws in
            let a = try await portal.createTenant("A")
            let b = try await portal.createTenant("B")
            try await populate(portal, a)
            try await populate(portal, b)
            let tables = try await portal.owner.query(Self.tenantTablesSQL).map { try $0.decode(String.self, "name") }
            var covered: [String] = []
            for table in tables {
                let ofB = try await portal.owner.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int AS c FROM \(table) WHERE tenant_id = '\(b)'"))
                    .first?.decode(Int.self, "c") ?? 0
                if ofB > 0 { covered.append(table) }
                let leaked = try await portal.app.pool.transaction { connection in
                    try await connection.setLocal("app.tenant_id", a)
                    return try await connection.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int AS c FROM \(table) WHERE tenant_id <> '\(a)'"))
                        .first?.decode(Int.self, "c")
                }
                #expect(leaked == 0, "\(table) shows tenant A another tenant's rows")
                let leakedToOperator = try await portal.app.pool.transaction { connection in
                    try await connection.setLocal("app.tenant_id", a)
                    try await connection.setLocal("app.operator", "on")
                    return try await connection.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int AS c FROM \(table) WHERE tenant_id <> '\(a)'"))
                        .first?.decode(Int.self, "c")
                }
                #expect(leakedToOperator == 0, "\(table) lets operator scope past the tenant")
                let unscoped = try await portal.app.pool.transaction { connection in
                    try await connection.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int AS c FROM \(table)")).first?.decode(Int.self, "c")
                }
                #expect(unscoped == 0, "\(table) without a tenant")
            }
            #expect(covered.count >= 15, "tables that held tenant B's rows while tenant A looked: \(covered)")
        }
    }

    @Test func thePortalLogsInAsTheAppRoleSoResetRoleDoesNotEscape() async throws {
        try await withLivePortal(label: "rls_login") { portal async throws in
            let b = try await portal.createTenant("B")
            try await populate(portal, b)
            let (session, afterReset, seen) = try await portal.app.pool.withConnection { connection in
                let session = try await connection.query("SELECT session_user::text AS u").first?.decode(String.self, "u")
                try await connection.simpleQuery("RESET ROLE")
                let afterReset = try await connection.query("SELECT current_user::text AS u").first?.decode(String.self, "u")
                let seen = try await connection.query("SELECT count(*)::int AS c FROM users").first?.decode(Int.self, "c")
                try await connection.simpleQuery("SET ROLE centralita_app")
                return (session, afterReset, seen)
            }
            #expect(session == "centralita_app")
            #expect(afterReset == "centralita_app", "RESET ROLE leaves the portal what it was")
            #expect(seen == 0, "and row-level security still holds")
        }
    }

    @Test func mediaNodeSecretsAreReadableOnlyInOperatorScope() async throws {
        try await withLivePortal(label: "rls_node_secret") { portal async throws in
            let tenant = try await portal.createTenant("Served")
            let node = try await portal.administration.addMediaNode(name: "node-s", url: "http://127.0.0.1:9", secret: "s3cret-s3cret-s3cret-s3cret",
                                                                    tenants: [try #require(UUID(uuidString: tenant))])
            let error = try await #require(throws: PostgresError.self) {
                try await portal.app.pool.transaction { connection in
                    try await connection.setLocal("app.tenant_id", tenant)
                    try await connection.query("SELECT secret FROM media_nodes")
                }
            }
            #expect(error.sqlState == "42501", "the portal's role cannot read the column at all")
            let (name, inTenant) = try await portal.app.pool.transaction { connection in
                try await connection.setLocal("app.tenant_id", tenant)
                let name = try await connection.query("SELECT name FROM media_nodes").first?.decode(String.self, "name")
                let secret = try await connection.query("SELECT app_node_secret(\(try #require(UUID(uuidString: node)))) AS s").first?.decode(String?.self, "s")
                return (name, secret)
            }
            #expect(name == "node-s", "a tenant sees the nodes that serve it")
            #expect(inTenant == nil, "but not their secret")
            let asOperator = try await portal.app.pool.transaction { connection in
                try await connection.setLocal("app.operator", "on")
                return try await connection.query("SELECT app_node_secret(\(try #require(UUID(uuidString: node)))) AS s").first?.decode(String?.self, "s")
            }
            #expect(asOperator == "s3cret-s3cret-s3cret-s3cret")
        }
    }
}
