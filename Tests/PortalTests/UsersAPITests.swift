import Foundation
import HTTPServer
@testable import Portal
import Postgres
import Testing
import TestSupport

/// USR-3, USR-4 over the live API.
@Suite struct UsersAPITests {
    struct Page: Decodable {
        var items: [UserView]
        var nextCursor: String?
        var total: Int
    }

    /// A tenant with a signed-in admin client.
    func adminClient(_ portal: LivePortal) async throws -> (tenant: String, admin: APIClient, adminID: String) {
        let tenant = try await portal.createTenant()
        let admin = try await portal.createUser(tenant: tenant, role: "admin")
        let client = try portal.client()
        #expect(try await client.signIn(admin.username).status == 200)
        return (tenant, client, admin.id)
    }

    func createBody(_ username: String, first: String = "Ana", last: String = "García", role: String = "member", extra: String = "") -> String {
        #"{"firstName":"\#(first)","lastName":"\#(last)","username":"\#(username)","password":"correct horse battery","passwordConfirmation":"correct horse battery","role":"\#(role)"\#(extra)}"#
    }

    @Test func adminsCreateReadUpdateAndDeleteUsersWithEveryField() async throws {
        try await withLivePortal(label: "users_crud") { portal async throws in
            let (tenant, admin, _) = try await adminClient(portal)
            let base = "/api/v1/tenants/\(tenant)/users"
            let extra = #","phone":"+34 910 000 000","email":"ana@example.com","address":"Calle Mayor 1","city":"Madrid","postalCode":"28013","country":"ES","region":"Madrid","timezone":"Europe/Madrid","language":"en","phoneLanguage":"ca""#
            let created = try await admin.request("POST", base, json: createBody("ana.garcia", extra: extra))
            #expect(created.status == 201, "\(created.bodyText)")
            let user = try created.json(UserView.self)
            #expect(created.headers["Location"] == "\(base)/\(user.id)")
            #expect(created.headers["ETag"] == "\"1\"")
            #expect(user.email == "ana@example.com" && user.city == "Madrid" && user.phoneLanguage == "ca" && user.language == "en")
            #expect(!created.bodyText.contains("password"))

            let read = try await admin.request("GET", "\(base)/\(user.id)")
            #expect(try read.json(UserView.self) == user)

            let patched = try await admin.request("PATCH", "\(base)/\(user.id)", json: #"{"city":"Sevilla","phone":null}"#,
                                                  headers: ["If-Match": "\"1\""])
            #expect(patched.status == 200, "\(patched.bodyText)")
            let updated = try patched.json(UserView.self)
            #expect(updated.city == "Sevilla" && updated.phone == nil && updated.version == 2 && updated.email == "ana@example.com")

            let stale = try await admin.request("PATCH", "\(base)/\(user.id)", json: #"{"city":"Bilbao"}"#, headers: ["If-Match": "\"1\""])
            #expect(stale.status == 412)

            let member = try portal.client()
            #expect(try await member.signIn("ana.garcia", "correct horse battery").status == 200)
            let dependents = try await admin.request("GET", "\(base)/\(user.id)/dependents").json(UserDependents.self)
            #expect(dependents.sessions == 1 && dependents.storedBytes == 0)
            #expect(try await admin.request("DELETE", "\(base)/\(user.id)").status == 204)
            #expect(try await member.request("GET", "/api/v1/me").status == 401, "their session went with them")
            #expect(try await admin.request("GET", "\(base)/\(user.id)").status == 404)

            let audit = try await portal.owner.query("""
                SELECT action, before::text AS before, after::text AS after FROM audit_log
                WHERE entity = 'user' AND entity_id = \(user.id) ORDER BY id
                """)
            #expect(try audit.map { try $0.decode(String.self, "action") } == ["create", "update", "delete"])
            let update = try #require(audit.dropFirst().first)
            #expect(try update.decode(String.self, "after").contains("Sevilla"))
            #expect(try update.decode(String.self, "before").contains("Madrid"))
            #expect(try !update.decode(String.self, "after").contains("email"), "only changed fields are recorded")
            #expect(try audit.first?.decode(String.self, "after").contains("[redacted]") == true)
        }
    }

    @Test func everyInvalidFieldIsNamed() async throws {
        try await withLivePortal(label: "users_invalid") { portal async throws in
            let (tenant, admin, _) = try await adminClient(portal)
            let body = #"{"firstName":"","username":"x","password":"short","passwordConfirmation":"other","role":"boss","phone":"call me","email":"nope","timezone":"Mars/Base","language":"fr","phoneLanguage":"xx","postalCode":"\#(String(repeating: "9", count: 30))"}"#
            let response = try await admin.request("POST", "/api/v1/tenants/\(tenant)/users", json: body)
            #expect(response.status == 422)
            let fields = Set(try response.json(ProblemDetails.self).errors?.map(\.field) ?? [])
            #expect(fields == ["firstName", "username", "password", "passwordConfirmation", "role", "phone", "email", "timezone",
                               "language", "phoneLanguage", "postalCode"])
            let missing = try await admin.request("POST", "/api/v1/tenants/\(tenant)/users", json: #"{"firstName":"A"}"#)
            #expect(missing.status == 422)
            let unknown = try await admin.request("PATCH", "/api/v1/tenants/\(tenant)/users/\(UUID().uuidString)", json: #"{"nickname":"x"}"#)
            #expect(unknown.status == 422)
            #expect(try unknown.json(ProblemDetails.self).errors?.first?.field == "nickname")
        }
    }

    @Test func searchIgnoresCaseAndAccentsAndPagesWithACursor() async throws {
        try await withLivePortal(label: "users_search") { portal async throws in
            let (tenant, admin, _) = try await adminClient(portal)
            let base = "/api/v1/tenants/\(tenant)/users"
            for (i, (first, last)) in [("José", "Núñez"), ("Jose", "Pérez"), ("María", "López"), ("Ángel", "Ruiz")].enumerated() {
                #expect(try await admin.request("POST", base, json: createBody("u\(i).\(UUID().uuidString.prefix(4))", first: first, last: last)).status == 201)
            }
            let jose = try await admin.request("GET", "\(base)?q=JOSE").json(Page.self)
            #expect(jose.total == 2)
            #expect(Set(jose.items.map(\.lastName)) == ["Núñez", "Pérez"])
            #expect(try await admin.request("GET", "\(base)?q=nunez").json(Page.self).items.map(\.firstName) == ["José"])
            #expect(try await admin.request("GET", "\(base)?q=%25").json(Page.self).total == 0, "wildcards are literal")

            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try await admin.request("GET", "\(base)?limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")).json(Page.self)
                #expect(page.total == 5)
                #expect(page.items.count <= 2)
                seen += page.items.map(\.id)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(seen.count == 5 && Set(seen).count == 5)
            #expect(try await admin.request("GET", "\(base)?limit=0").status == 422)
            #expect(try await admin.request("GET", "\(base)?cursor=garbage").status == 422)
        }
    }

    @Test func membersSeeAndChangeOnlyThemselvesAndNotTheirRole() async throws {
        try await withLivePortal(label: "users_member") { portal async throws in
            let tenant = try await portal.createTenant()
            let admin = try await portal.createUser(tenant: tenant, role: "admin")
            let member = try await portal.createUser(tenant: tenant, role: "member")
            let client = try portal.client()
            try await client.signIn(member.username)
            let base = "/api/v1/tenants/\(tenant)/users"
            #expect(try await client.request("GET", base).status == 403)
            #expect(try await client.request("GET", "\(base)/\(admin.id)").status == 403)
            #expect(try await client.request("GET", "\(base)/\(member.id)").status == 200)
            #expect(try await client.request("PATCH", "\(base)/\(member.id)", json: #"{"city":"Valencia"}"#).status == 200)
            #expect(try await client.request("PATCH", "\(base)/\(member.id)", json: #"{"role":"admin"}"#).status == 403)
            #expect(try await client.request("PATCH", "\(base)/\(admin.id)", json: #"{"city":"X"}"#).status == 403)
            #expect(try await client.request("POST", base, json: createBody("sneaky.user")).status == 403)
            #expect(try await client.request("DELETE", "\(base)/\(admin.id)").status == 403)
        }
    }

    @Test func theLastAdminCannotBeDeletedOrDemoted() async throws {
        try await withLivePortal(label: "users_lastadmin") { portal async throws in
            let (tenant, admin, adminID) = try await adminClient(portal)
            let base = "/api/v1/tenants/\(tenant)/users"
            let demote = try await admin.request("PATCH", "\(base)/\(adminID)", json: #"{"role":"member"}"#)
            #expect(demote.status == 409)
            #expect(try demote.json(ProblemDetails.self).errors?.first?.field == "role")
            #expect(try await admin.request("DELETE", "\(base)/\(adminID)").status == 409)
            let second = try await admin.request("POST", base, json: createBody("second.admin", role: "admin")).json(UserView.self)
            #expect(try await admin.request("PATCH", "\(base)/\(adminID)", json: #"{"role":"member"}"#).status == 200)
            #expect(try await admin.request("DELETE", "\(base)/\(second.id)").status == 403, "the demoted caller is a member now")
        }
    }

    @Test func anotherTenantsAdminGets404AndChangesNothing() async throws {
        try await withLivePortal(label: "users_cross") { portal async throws in
            let (tenantA, adminA, _) = try await adminClient(portal)
            let (tenantB, _, adminBID) = try await adminClient(portal)
            let victim = "/api/v1/tenants/\(tenantB)/users/\(adminBID)"
            #expect(try await adminA.request("GET", "/api/v1/tenants/\(tenantB)/users").status == 404)
            #expect(try await adminA.request("GET", victim).status == 404)
            #expect(try await adminA.request("PATCH", victim, json: #"{"city":"Hacked"}"#).status == 404)
            #expect(try await adminA.request("DELETE", victim).status == 404)
            #expect(try await adminA.request("GET", "/api/v1/tenants/\(tenantA)/users/\(adminBID)").status == 404,
                    "a user of B through A's path is not found either")
            let city = try await portal.owner.query("SELECT city FROM users WHERE id = \(UUID(uuidString: adminBID)!)").first?.decode(String?.self, "city")
            #expect(city == nil)
        }
    }

    @Test func operatorsManageAnyTenantsUsers() async throws {
        try await withLivePortal(label: "users_operator") { portal async throws in
            let tenant = try await portal.createTenant()
            let op = try await portal.createUser(tenant: nil, role: "operator")
            let client = try portal.client()
            try await client.signIn(op.username)
            let created = try await client.request("POST", "/api/v1/tenants/\(tenant)/users", json: createBody("first.admin", role: "admin"))
            #expect(created.status == 201)
            #expect(try await client.request("GET", "/api/v1/tenants/\(tenant)/users").json(Page.self).total == 1)
            #expect(try await client.request("GET", "/api/v1/tenants/\(UUID().uuidString)/users").status == 404)
            let actor = try await portal.owner.query("SELECT actor_name FROM audit_log WHERE entity = 'user'").first?.decode(String.self, "actor_name")
            #expect(actor == op.username)
        }
    }

    @Test func concurrentCreatesOfOneUsernameGiveOne201AndOne409() async throws {
        try await withLivePortal(label: "users_race") { portal async throws in
            let (tenant, _, _) = try await adminClient(portal)
            let admin = try await portal.createUser(tenant: tenant, role: "admin")
            let clients = [try portal.client(), try portal.client()]
            for client in clients { try await client.signIn(admin.username) }
            let body = createBody("same.name")
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for client in clients {
                    group.addTask { try await client.request("POST", "/api/v1/tenants/\(tenant)/users", json: body).status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.sorted() == [201, 409])
        }
    }
}
