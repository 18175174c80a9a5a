import Foundation
import HTTPServer
@testable import Portal
import Postgres
import Testing
import TestSupport

/// RUL-1, RUL-2 over the live API.
@Suite struct RulesAPITests {
    struct Rule: Decodable {
        var id: String
        var kind: String
        var position: Int
        var enabled: Bool
        var keypadCode: Int?
        var intervalId: String?
    }

    struct Page: Decodable { var items: [Rule] }

    struct Fixture {
        var tenant: String
        var admin: APIClient
        var member: APIClient
        var memberExtension: String
        var adminExtension: String
        var base: String { "/api/v1/tenants/\(tenant)/extensions/\(memberExtension)/rules" }
    }

    func fixture(_ portal: LivePortal) async throws -> Fixture {
        let tenant = try await portal.createTenant()
        let adminUser = try await portal.createUser(tenant: tenant, role: "admin")
        let memberUser = try await portal.createUser(tenant: tenant, role: "member")
        let admin = try portal.client()
        try await admin.signIn(adminUser.username)
        let member = try portal.client()
        try await member.signIn(memberUser.username)
        let extensions = "/api/v1/tenants/\(tenant)/extensions"
        let mine = try await admin.request("POST", extensions, json: #"{"ownerId":"\#(memberUser.id)","number":"1001"}"#).json([String: AnyDecodable].self)["id"]?.string
        let theirs = try await admin.request("POST", extensions, json: #"{"ownerId":"\#(adminUser.id)","number":"1002"}"#).json([String: AnyDecodable].self)["id"]?.string
        return Fixture(tenant: tenant, admin: admin, member: member, memberExtension: try #require(mine), adminExtension: try #require(theirs))
    }

    @Test func ownersBuildOrderAndToggleTheirRules() async throws {
        try await withLivePortal(label: "rules") { portal async throws in
            let f = try await fixture(portal)
            let interval = try await f.member.request("POST", "/api/v1/tenants/\(f.tenant)/intervals",
                json: #"{"name":"Nights","startTime":"20:00","endTime":"08:00"}"#).json(IntervalView.self)
            let cascade = try await f.member.request("POST", f.base, json: #"{"kind":"cascade","totalSeconds":40,"steps":[{"destination":{"type":"extension","id":"\#(f.memberExtension)"},"afterSeconds":0},{"destination":{"type":"extension","id":"\#(f.adminExtension)"},"afterSeconds":15}]}"#)
            #expect(cascade.status == 201, "\(cascade.bodyText)")
            let night = try await f.member.request("POST", f.base, json: #"{"kind":"transfer","intervalId":"\#(interval.id)","destination":{"type":"voicemail","id":"\#(f.memberExtension)"},"extensionState":"any","callState":"any","keypadCode":1,"callerId":{"match":"notEquals","number":"+34911111111"}}"#)
            #expect(night.status == 201, "\(night.bodyText)")
            let block = try await f.member.request("POST", f.base, json: #"{"kind":"hangup","callerId":{"match":"anonymous"},"continue":true}"#)
            let ids = [try cascade.json(Rule.self).id, try night.json(Rule.self).id, try block.json(Rule.self).id]
            #expect(try await f.member.request("GET", f.base).json(Page.self).items.map(\.position) == [1, 2, 3])

            let reordered = try await f.member.request("PUT", "\(f.base)/order", json: #"{"ids":["\#(ids[2])","\#(ids[0])","\#(ids[1])"]}"#)
            #expect(reordered.status == 200, "\(reordered.bodyText)")
            #expect(try reordered.json(Page.self).items.map(\.id) == [ids[2], ids[0], ids[1]])
            #expect(try await f.member.request("PUT", "\(f.base)/order", json: #"{"ids":["\#(ids[0])","\#(ids[1])"]}"#).status == 422, "every rule, once")

            let disabled = try await f.member.request("PATCH", "\(f.base)/\(ids[1])", json: #"{"enabled":false}"#)
            #expect(try disabled.json(Rule.self).enabled == false)
            #expect(try disabled.json(Rule.self).keypadCode == 1, "a patch keeps the rest of the rule")
            let duplicateCode = try await f.member.request("PATCH", "\(f.base)/\(ids[0])", json: #"{"keypadCode":1}"#)
            #expect(duplicateCode.status == 409)

            let inUse = try await f.member.request("DELETE", "/api/v1/tenants/\(f.tenant)/intervals/\(interval.id)")
            #expect(inUse.status == 409)
            #expect(try inUse.json(ProblemDetails.self).detail.contains("rule 3 of extension 1001"))

            #expect(try await f.member.request("DELETE", "\(f.base)/\(ids[2])").status == 204)
            #expect(try await f.member.request("GET", f.base).json(Page.self).items.map(\.position) == [1, 2], "positions close up")
            #expect(try await f.member.request("GET", "/api/v1/tenants/\(f.tenant)/extensions/\(f.adminExtension)/rules").status == 403)
        }
    }

    @Test func invalidRulesAndForeignReferencesAreRefusedByField() async throws {
        try await withLivePortal(label: "rules_invalid") { portal async throws in
            let f = try await fixture(portal)
            let other = try await portal.createTenant()
            let foreignAdmin = try await portal.createUser(tenant: other, role: "admin")
            let foreignInterval = try await portal.owner.query("""
                INSERT INTO intervals (tenant_id, owner_id, name, timezone, start_minute, end_minute)
                VALUES (\(UUID(uuidString: other)!), \(UUID(uuidString: foreignAdmin.id)!), 'theirs', 'UTC', 0, 0) RETURNING id::text AS id
                """).first?.decode(String.self, "id") ?? ""
            for (body, field) in [
                (#"{"kind":"teleport"}"#, "kind"),
                (#"{"kind":"cascade","totalSeconds":10,"steps":[{"destination":{"type":"external","number":"+34600000000"},"afterSeconds":0},{"destination":{"type":"external","number":"+34600000001"},"afterSeconds":20}]}"#, "steps[1].afterSeconds"),
                (#"{"kind":"busy","destination":{"type":"extension","id":"\#(UUID().uuidString)"}}"#, "destination.id"),
                (#"{"kind":"hangup","intervalId":"\#(foreignInterval)"}"#, "intervalId"),
                (#"{"kind":"identify","password":"1234","destination":{"type":"external","number":"+34600000000"},"soundId":"\#(UUID().uuidString)"}"#, "soundId"),
                (#"{"kind":"busy","destination":{"type":"external","number":"12"}}"#, "destination.number"),
            ] {
                let response = try await f.admin.request("POST", f.base, json: body)
                #expect(response.status == 422, "\(body)")
                #expect(try response.json(ProblemDetails.self).errors?.first?.field == field, "\(body): \(response.bodyText)")
            }
        }
    }
}
