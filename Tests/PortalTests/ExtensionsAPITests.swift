import Foundation
import HTTPServer
@testable import Portal
import Postgres
import Testing
import TestSupport

/// EXT-1 and EXT-2 over the live API.
@Suite struct ExtensionsAPITests {
    struct Page: Decodable {
        var items: [ExtensionView]
        var nextCursor: String?
        var total: Int
    }

    struct Created: Decodable {
        var id: String
        var number: String
        var sipUsername: String
        var sipPassword: String
        var sipServer: String
        var ringSeconds: Int
        var ownerId: String?
    }

    func admin(_ portal: LivePortal, tenant: String) async throws -> (client: APIClient, id: String) {
        let user = try await portal.createUser(tenant: tenant, role: "admin")
        let client = try portal.client()
        #expect(try await client.signIn(user.username).status == 200)
        return (client, user.id)
    }

    func storedHA1(_ portal: LivePortal, _ id: String) async throws -> String? {
        try await portal.owner.query("SELECT sip_ha1 FROM extensions WHERE id = \(UUID(uuidString: id)!)").first?.decode(String.self, "sip_ha1")
    }

    @Test func extensionsGetUniqueSIPCredentialsShownOnceAndStoredAsHA1() async throws {
        try await withLivePortal(label: "ext_crud") { portal async throws in
            let tenant = try await portal.createTenant()
            let (admin, adminID) = try await admin(portal, tenant: tenant)
            let base = "/api/v1/tenants/\(tenant)/extensions"
            let response = try await admin.request("POST", base, json: #"{"ownerId":"\#(adminID)","number":"1001","name":"Recepción","ringSeconds":25}"#)
            #expect(response.status == 201, "\(response.bodyText)")
            let created = try response.json(Created.self)
            #expect(created.number == "1001" && created.ringSeconds == 25 && created.ownerId == adminID && created.sipServer == "127.0.0.1:5060")
            #expect((9...10).contains(created.sipUsername.count) && created.sipUsername.first != "0")
            #expect(created.sipPassword.count == 20)
            let ha1 = try await storedHA1(portal, created.id)
            #expect(ha1 == Secrets.md5Hex("\(created.sipUsername):centralita:\(created.sipPassword)"))
            let read = try await admin.request("GET", "\(base)/\(created.id)")
            #expect(!read.bodyText.contains(created.sipPassword) && !read.bodyText.contains("ha1"))

            let renewed = try await admin.request("PUT", "\(base)/\(created.id)/sip-password")
            #expect(renewed.status == 200)
            let fresh = try renewed.json([String: String].self)
            #expect(fresh["warning"]?.contains("lose their registration") == true)
            let password = try #require(fresh["sipPassword"])
            #expect(password != created.sipPassword)
            #expect(try await storedHA1(portal, created.id) == Secrets.md5Hex("\(created.sipUsername):centralita:\(password)"))

            let patched = try await admin.request("PATCH", "\(base)/\(created.id)", json: #"{"number":"1002","ringSeconds":40}"#, headers: ["If-Match": "\"2\""])
            #expect(patched.status == 200, "\(patched.bodyText)")
            // The answer is the row as stored (it is built without reading the row back).
            let stored = try await admin.request("GET", "\(base)/\(created.id)")
            #expect(try WriteCombinerTests.object(patched.bodyText) == WriteCombinerTests.object(stored.bodyText),
                    "\(patched.bodyText) against \(stored.bodyText)")
            #expect(patched.headers["ETag"] == stored.headers["ETag"])
            #expect(try await admin.request("PATCH", "\(base)/\(created.id)", json: #"{"kind":"ivr"}"#).status == 422)
            #expect(try await admin.request("GET", "\(base)/\(created.id)/devices").bodyText.contains(#""total":0"#))

            // A phone another extension's rule sends calls to cannot go; its own rules do not hold it.
            let other = try await admin.request("POST", base, json: #"{"ownerId":"\#(adminID)","number":"1003"}"#).json(Created.self)
            let cascade = #"{"kind":"cascade","totalSeconds":30,"steps":[{"destination":{"type":"extension","id":"\#(created.id)"},"afterSeconds":0}]}"#
            #expect(try await admin.request("POST", "\(base)/\(created.id)/rules", json: cascade).status == 201)
            let forward = try await admin.request("POST", "\(base)/\(other.id)/rules", json: cascade)
            #expect(forward.status == 201)
            let refused = try await admin.request("DELETE", "\(base)/\(created.id)")
            #expect(refused.status == 409)
            #expect(try refused.json(ProblemDetails.self).detail.contains("a rule of extension 1003"), "\(refused.bodyText)")
            struct Rule: Decodable { var id: String }
            _ = try await admin.request("DELETE", "\(base)/\(other.id)/rules/\(try forward.json(Rule.self).id)")
            #expect(try await admin.request("DELETE", "\(base)/\(created.id)").status == 204)
            #expect(try await admin.request("GET", "\(base)/\(created.id)").status == 404)
            let audit = try await portal.owner.query("SELECT after::text AS after FROM audit_log WHERE entity = 'extension' AND action = 'create'")
            #expect(try audit.first?.decode(String.self, "after").contains("[redacted]") == true)
            #expect(try !(audit.first?.decode(String.self, "after").contains(created.sipPassword) ?? true))
        }
    }

    @Test func everyInvalidFieldIsNamed() async throws {
        try await withLivePortal(label: "ext_invalid") { portal async throws in
            let tenant = try await portal.createTenant()
            let (admin, _) = try await admin(portal, tenant: tenant)
            let response = try await admin.request("POST", "/api/v1/tenants/\(tenant)/extensions",
                                                   json: #"{"kind":"fax","number":"12a4","ringSeconds":1,"ownerId":"nope"}"#)
            #expect(response.status == 422)
            #expect(Set(try response.json(ProblemDetails.self).errors?.map(\.field) ?? []) == ["kind", "number", "ringSeconds", "ownerId"])
            let noOwner = try await admin.request("POST", "/api/v1/tenants/\(tenant)/extensions", json: #"{"number":"2000"}"#)
            #expect(try noOwner.json(ProblemDetails.self).errors?.first?.field == "ownerId", "a phone belongs to a user")
            let queue = try await admin.request("POST", "/api/v1/tenants/\(tenant)/extensions", json: #"{"kind":"queue","number":"2000","name":"Ventas"}"#)
            #expect(queue.status == 201, "queues and IVRs need no owner")
        }
    }

    /// Names reach the media node's files; what cannot be made safe there is refused by field.
    @Test func namesWithControlBidiOrLineSeparatorsAreRefusedByField() async throws {
        try await withLivePortal(label: "ext_hostile") { portal async throws in
            let tenant = try await portal.createTenant()
            let (admin, id) = try await admin(portal, tenant: tenant)
            let base = "/api/v1/tenants/\(tenant)/extensions"
            for name in [#"Front\u001b[31mdesk"#, #"Front\u202edesk"#, #"Front\u2028desk"#, #"Front\u0000desk"#] {
                let response = try await admin.request("POST", base, json: #"{"kind":"queue","number":"2000","name":"\#(name)"}"#)
                #expect(response.status == 422, "\(name)")
                #expect(try response.json(ProblemDetails.self).errors?.map(\.field) == ["name"])
            }
            // Punctuation is accepted and dropped when compiling: "Ventas, 1ª (Madrid)" is a name.
            let fine = try await admin.request("POST", base, json: #"{"kind":"queue","number":"2000","name":"Ventas, 1ª (Madrid)"}"#)
            #expect(fine.status == 201, "\(fine.bodyText)")
            let user = try await admin.request("PATCH", "/api/v1/tenants/\(tenant)/users/\(id)", json: #"{"firstName":"Ana\u202e"}"#,
                                               headers: ["Content-Type": "application/merge-patch+json"])
            #expect(user.status == 422, "\(user.bodyText)")
            #expect(try user.json(ProblemDetails.self).errors?.map(\.field) == ["firstName"])
        }
    }

    @Test func thePlanLimitIsEnforcedAndNamed() async throws {
        try await withLivePortal(label: "ext_limit") { portal async throws in
            let tenant = try await portal.createTenant()
            try await portal.owner.query("UPDATE tenants SET max_extensions = 2 WHERE id = \(UUID(uuidString: tenant)!)")
            let (admin, _) = try await admin(portal, tenant: tenant)
            let base = "/api/v1/tenants/\(tenant)/extensions"
            #expect(try await admin.request("POST", base, json: #"{"kind":"ivr","number":"3001"}"#).status == 201)
            #expect(try await admin.request("POST", base, json: #"{"kind":"ivr","number":"3002"}"#).status == 201)
            let refused = try await admin.request("POST", base, json: #"{"kind":"ivr","number":"3003"}"#)
            #expect(refused.status == 409)
            let problem = try refused.json(ProblemDetails.self)
            #expect(problem.type.hasSuffix("/plan-limit") && problem.detail.contains("2 extensions"))
        }
    }

    @Test func twoConcurrentCreatesOfOneNumberGiveOne201AndOne409() async throws {
        try await withLivePortal(label: "ext_race") { portal async throws in
            let tenant = try await portal.createTenant()
            let user = try await portal.createUser(tenant: tenant, role: "admin")
            let clients = [try portal.client(), try portal.client()]
            for client in clients { try await client.signIn(user.username) }
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for client in clients {
                    group.addTask { try await client.request("POST", "/api/v1/tenants/\(tenant)/extensions", json: #"{"kind":"ivr","number":"4000"}"#).status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.sorted() == [201, 409])
        }
    }

    @Test func membersSeeOnlyTheirOwnExtensionsAndChangeNoneOfTheirSettingsHere() async throws {
        try await withLivePortal(label: "ext_member") { portal async throws in
            let tenant = try await portal.createTenant()
            let (admin, adminID) = try await admin(portal, tenant: tenant)
            let member = try await portal.createUser(tenant: tenant, role: "member")
            let base = "/api/v1/tenants/\(tenant)/extensions"
            let mine = try await admin.request("POST", base, json: #"{"ownerId":"\#(member.id)","number":"1100"}"#).json(Created.self)
            let theirs = try await admin.request("POST", base, json: #"{"ownerId":"\#(adminID)","number":"1200"}"#).json(Created.self)
            let client = try portal.client()
            try await client.signIn(member.username)
            #expect(try await client.request("GET", base).json(Page.self).items.map(\.number) == ["1100"])
            #expect(try await client.request("GET", "\(base)/\(mine.id)").status == 200)
            #expect(try await client.request("GET", "\(base)/\(theirs.id)").status == 403)
            #expect(try await client.request("POST", base, json: #"{"ownerId":"\#(member.id)","number":"1300"}"#).status == 403)
            #expect(try await client.request("PUT", "\(base)/\(mine.id)/sip-password").status == 403)
            #expect(try await client.request("DELETE", "\(base)/\(mine.id)").status == 403)
            let dependents = try await admin.request("GET", "/api/v1/tenants/\(tenant)/users/\(member.id)/dependents").json(UserDependents.self)
            #expect(dependents.extensions == ["1100"])
            #expect(try await admin.request("DELETE", "/api/v1/tenants/\(tenant)/users/\(member.id)").status == 204)
            #expect(try await admin.request("GET", "\(base)/\(mine.id)").status == 404, "the extension went with its user")
        }
    }

    @Test func listsSearchFilterAndPage() async throws {
        try await withLivePortal(label: "ext_list") { portal async throws in
            let tenant = try await portal.createTenant()
            let other = try await portal.createTenant()
            let (admin, adminID) = try await admin(portal, tenant: tenant)
            let base = "/api/v1/tenants/\(tenant)/extensions"
            for (kind, number) in [("phone", "1001"), ("phone", "1002"), ("queue", "2001"), ("ivr", "3001"), ("phone", "1003")] {
                let owner = kind == "phone" ? #","ownerId":"\#(adminID)""# : kind == "queue" ? #","name":"Line""# : ""
                #expect(try await admin.request("POST", base, json: #"{"kind":"\#(kind)","number":"\#(number)"\#(owner)}"#).status == 201)
            }
            #expect(try await admin.request("GET", "\(base)?kind=phone").json(Page.self).total == 3)
            // The search looks at numbers, names and SIP usernames; those are random digits, so
            // another extension may match "300" too.
            let found = try await admin.request("GET", "\(base)?q=300").json(Page.self).items
            #expect(found.contains { $0.number == "3001" })
            #expect(found.allSatisfy { $0.number.contains("300") || $0.sipUsername.contains("300") })
            var numbers: [String] = []
            var cursor: String?
            repeat {
                let page = try await admin.request("GET", "\(base)?limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")).json(Page.self)
                numbers += page.items.map(\.number)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(numbers == ["1001", "1002", "1003", "2001", "3001"])
            #expect(try await admin.request("GET", "\(base)?kind=fax").status == 422)
            let (otherAdmin, _) = try await self.admin(portal, tenant: other)
            #expect(try await otherAdmin.request("GET", base).status == 404)
            #expect(try await otherAdmin.request("GET", "/api/v1/tenants/\(other)/extensions").json(Page.self).total == 0)
        }
    }

    /// A queue is an extension too: emptying its name through the extensions API would leave
    /// a queue its own API (and schema) says cannot exist (found by Schemathesis).
    @Test func aQueuesNameCannotBeEmptiedThroughItsExtension() async throws {
        try await withLivePortal(label: "ext_queue_name") { portal async throws in
            let tenant = try await portal.createTenant()
            let (admin, _) = try await admin(portal, tenant: tenant)
            let queue = try await admin.request("POST", "/api/v1/tenants/\(tenant)/queues", json: #"{"name":"Support","number":"2000"}"#)
            #expect(queue.status == 201, "\(queue.bodyText)")
            let id = try queue.json([String: AnyDecodable].self)["id"]?.string ?? ""
            let emptied = try await admin.request("PATCH", "/api/v1/tenants/\(tenant)/extensions/\(id)", json: #"{"name":"  "}"#)
            #expect(emptied.status == 422)
            #expect(try emptied.json(ProblemDetails.self).errors?.map(\.field) == ["name"])
            #expect(try await admin.request("PATCH", "/api/v1/tenants/\(tenant)/extensions/\(id)", json: #"{"name":"Sales"}"#).status == 200)
            let created = try await admin.request("POST", "/api/v1/tenants/\(tenant)/extensions", json: #"{"kind":"queue","number":"4000"}"#)
            #expect(created.status == 422 && created.bodyText.contains("name"), "\(created.bodyText)")
        }
    }
}
