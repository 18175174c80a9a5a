import Foundation
import HTTPServer
@testable import Portal
import Postgres
import Testing
import TestSupport

/// TEN-1 (tenants) and USR-1 (API keys) over the live API.
@Suite struct TenantsAndAPIKeysTests {
    func signedIn(_ portal: LivePortal, tenant: String?, role: String) async throws -> APIClient {
        let user = try await portal.createUser(tenant: tenant, role: role)
        let client = try portal.client()
        #expect(try await client.signIn(user.username).status == 200)
        return client
    }

    @Test func operatorsCreateTenantsWithEveryFieldAndDefaults() async throws {
        try await withLivePortal(label: "tenants_create") { portal async throws in
            let op = try await signedIn(portal, tenant: nil, role: "operator")
            let created = try await op.request("POST", "/api/v1/tenants", json: #"{"name":"Acme","alias":"acme","timezone":"America/Argentina/Buenos_Aires","language":"en","contactEmail":"it@acme.example","maxSimultaneousCalls":4,"storageQuotaBytes":1000,"plan":"pro"}"#)
            #expect(created.status == 201, "\(created.bodyText)")
            let tenant = try created.json(TenantView.self)
            #expect(tenant.maxExtensions == 50, "the default plan limit")
            #expect(tenant.maxSimultaneousCalls == 4 && tenant.storageQuotaBytes == 1000 && tenant.plan == "pro" && tenant.pendingPlan == nil)
            #expect(tenant.timezone == "America/Argentina/Buenos_Aires" && tenant.status == "active")
            let duplicate = try await op.request("POST", "/api/v1/tenants", json: #"{"name":"Other","alias":"acme"}"#)
            #expect(duplicate.status == 409)
            let invalid = try await op.request("POST", "/api/v1/tenants", json: #"{"name":"","status":"paused","timezone":"Nowhere","maxExtensions":-1,"contactEmail":"x","language":"de","plan":"Gold Plan"}"#)
            #expect(invalid.status == 422)
            #expect(Set(try invalid.json(ProblemDetails.self).errors?.map(\.field) ?? []) ==
                    ["name", "status", "timezone", "maxExtensions", "contactEmail", "language", "plan"])
            let wrongType = try await op.request("POST", "/api/v1/tenants", json: #"{"name":"X","maxExtensions":"many"}"#)
            #expect(try wrongType.json(ProblemDetails.self).errors?.first?.field == "maxExtensions")
            let list = try await op.request("GET", "/api/v1/tenants")
            #expect(list.bodyText.contains(#""total":1"#))
        }
    }

    @Test func aPlanChangeWaitsForTheFirstOfNextMonth() async throws {
        try await withLivePortal(label: "tenants_plan") { portal async throws in
            let op = try await signedIn(portal, tenant: nil, role: "operator")
            let tenant = try await op.request("POST", "/api/v1/tenants", json: #"{"name":"Plans","timezone":"Europe/Madrid"}"#).json(TenantView.self)
            let changed = try await op.request("PATCH", "/api/v1/tenants/\(tenant.id)", json: #"{"plan":"premium","maxExtensions":80}"#)
            #expect(changed.status == 200, "\(changed.bodyText)")
            let pending = try changed.json(TenantView.self)
            #expect(pending.plan == "standard" && pending.pendingPlan == "premium" && pending.maxExtensions == 80)
            let from = try #require(pending.pendingPlanFrom)
            #expect(from.hasSuffix("-01"))
            let nextMonth = try await portal.owner.query("SELECT (date_trunc('month', now() AT TIME ZONE 'Europe/Madrid') + interval '1 month')::date::text AS d").first?.decode(String.self, "d")
            #expect(from == nextMonth)
            // When that day has come the pending plan is the plan.
            try await portal.owner.query("UPDATE tenants SET pending_plan_from = current_date - 1 WHERE id = \(UUID(uuidString: tenant.id)!)")
            let effective = try await op.request("GET", "/api/v1/tenants/\(tenant.id)").json(TenantView.self)
            #expect(effective.plan == "premium" && effective.pendingPlan == nil && effective.pendingPlanFrom == nil)
        }
    }

    @Test func tenantAdminsEditPreferencesButNotLimitsOrOtherTenants() async throws {
        try await withLivePortal(label: "tenants_admin") { portal async throws in
            let tenant = try await portal.createTenant("Own")
            let other = try await portal.createTenant("Other")
            let admin = try await signedIn(portal, tenant: tenant, role: "admin")
            let member = try await signedIn(portal, tenant: tenant, role: "member")
            #expect(try await admin.request("GET", "/api/v1/tenants").status == 403)
            #expect(try await admin.request("GET", "/api/v1/tenants/\(tenant)").status == 200)
            #expect(try await member.request("GET", "/api/v1/tenants/\(tenant)").status == 200)
            #expect(try await admin.request("GET", "/api/v1/tenants/\(other)").status == 404)
            let renamed = try await admin.request("PATCH", "/api/v1/tenants/\(tenant)", json: #"{"name":"Own Renamed","contactEmail":"boss@own.example"}"#,
                                                  headers: ["If-Match": "\"1\""])
            #expect(renamed.status == 200)
            #expect(try await admin.request("PATCH", "/api/v1/tenants/\(tenant)", json: #"{"maxExtensions":500}"#).status == 403)
            #expect(try await admin.request("PATCH", "/api/v1/tenants/\(tenant)", json: #"{"name":"x"}"#, headers: ["If-Match": "\"1\""]).status == 412)
            #expect(try await member.request("PATCH", "/api/v1/tenants/\(tenant)", json: #"{"name":"Mine"}"#).status == 403)
            #expect(try await admin.request("DELETE", "/api/v1/tenants/\(tenant)").status == 403)
            #expect(try await admin.request("POST", "/api/v1/tenants", json: #"{"name":"New"}"#).status == 403)
            let audit = try await portal.owner.query("SELECT after::text AS after FROM audit_log WHERE entity = 'tenant' AND action = 'update'")
            #expect(audit.count == 1)
            #expect(try audit.first?.decode(String.self, "after").contains("Own Renamed") == true)
        }
    }

    @Test func operatorsDeleteTenantsWithEverythingTheyOwn() async throws {
        try await withLivePortal(label: "tenants_delete") { portal async throws in
            let op = try await signedIn(portal, tenant: nil, role: "operator")
            let tenant = try await portal.createTenant("Doomed")
            _ = try await portal.createUser(tenant: tenant, role: "admin")
            #expect(try await op.request("DELETE", "/api/v1/tenants/\(tenant)").status == 204)
            #expect(try await op.request("GET", "/api/v1/tenants/\(tenant)").status == 404)
            let users = try await portal.owner.query("SELECT count(*)::int AS c FROM users WHERE tenant_id = \(UUID(uuidString: tenant)!)")
            #expect(try users.first?.decode(Int.self, "c") == 0)
        }
    }

    @Test func apiKeysAreShownOnceListedWithoutSecretsAndRevocable() async throws {
        try await withLivePortal(label: "apikeys") { portal async throws in
            let tenant = try await portal.createTenant()
            let admin = try await signedIn(portal, tenant: tenant, role: "admin")
            let base = "/api/v1/tenants/\(tenant)/api-keys"
            let created = try await admin.request("POST", base, json: #"{"name":"CRM integration","role":"member"}"#)
            #expect(created.status == 201, "\(created.bodyText)")
            let body = try created.json([String: AnyDecodable].self)
            let secret = try #require(body["secret"]?.string)
            let prefix = try #require(body["prefix"]?.string)
            #expect(secret.hasPrefix(prefix + "_") && prefix.hasPrefix("ck_"))
            let stored = try await portal.owner.query("SELECT count(*)::int AS c FROM api_keys WHERE secret_hash = \(PostgresBytes(Secrets.sha256(secret)))")
            #expect(try stored.first?.decode(Int.self, "c") == 1)
            let list = try await admin.request("GET", base)
            #expect(list.bodyText.contains(prefix) && !list.bodyText.contains(secret))

            let integrator = try portal.client()
            integrator.bearer = secret
            #expect(try await integrator.request("GET", "/api/v1/tenants/\(tenant)").status == 200)
            #expect(try await integrator.request("GET", "/api/v1/tenants/\(tenant)/users").status == 403, "a member key")
            #expect(try await integrator.request("GET", "/api/v1/tenants/\(UUID().uuidString)").status == 404)
            let used = try await portal.owner.query("SELECT last_used_at IS NOT NULL AS used FROM api_keys").first?.decode(Bool.self, "used")
            #expect(used == true)

            let id = try #require(body["id"]?.string)
            #expect(try await admin.request("DELETE", "\(base)/\(id)").status == 204)
            #expect(try await integrator.request("GET", "/api/v1/tenants/\(tenant)").status == 401)
            #expect(try await admin.request("DELETE", "\(base)/\(id)").status == 404)
            let invalid = try await admin.request("POST", base, json: #"{"name":"","role":"root"}"#)
            #expect(Set(try invalid.json(ProblemDetails.self).errors?.map(\.field) ?? []) == ["name", "role"])
        }
    }

    @Test func adminKeysActForTheTenantAndAreAudited() async throws {
        try await withLivePortal(label: "apikeys_admin") { portal async throws in
            let tenant = try await portal.createTenant()
            let admin = try await signedIn(portal, tenant: tenant, role: "admin")
            let secret = try #require(try await admin.request("POST", "/api/v1/tenants/\(tenant)/api-keys", json: #"{"name":"provisioning","role":"admin"}"#)
                .json([String: AnyDecodable].self)["secret"]?.string)
            let integrator = try portal.client()
            integrator.bearer = secret
            let created = try await integrator.request("POST", "/api/v1/tenants/\(tenant)/users",
                json: #"{"firstName":"Bot","username":"made.by.key","password":"correct horse battery","passwordConfirmation":"correct horse battery","role":"member"}"#)
            #expect(created.status == 201, "no CSRF token needed with a key")
            let actor = try await portal.owner.query("""
                SELECT actor_name, actor_api_key_id IS NOT NULL AS by_key FROM audit_log WHERE entity = 'user' AND action = 'create'
                """).first
            #expect(try actor?.decode(String.self, "actor_name") == "API key provisioning")
            #expect(try actor?.decode(Bool.self, "by_key") == true)
        }
    }
}

/// Reads loosely typed JSON answers in tests.
struct AnyDecodable: Decodable {
    var string: String?
    init(from decoder: any Decoder) throws {
        string = try? decoder.singleValueContainer().decode(String.self)
    }
}
