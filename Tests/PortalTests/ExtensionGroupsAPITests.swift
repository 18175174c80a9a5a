import Foundation
import HTTPServer
@testable import Portal
import Postgres
import Telephony
import Testing
import TestSupport

/// EXT-5: groups of extensions as a destination.
@Suite struct ExtensionGroupsAPITests {
    @Test func groupsAreBuiltRoutedToAndProtectedWhileInUse() async throws {
        try await withLivePortal(label: "groups") { portal async throws in
            let tenant = try await portal.createTenant()
            let adminUser = try await portal.createUser(tenant: tenant, role: "admin")
            let admin = try portal.client()
            try await admin.signIn(adminUser.username)
            let t = "/api/v1/tenants/\(tenant)"
            var exts: [String] = []
            for number in ["1001", "1002", "1003"] {
                exts.append(try await admin.request("POST", "\(t)/extensions", json: #"{"ownerId":"\#(adminUser.id)","number":"\#(number)"}"#)
                    .json([String: AnyDecodable].self)["id"]?.string ?? "")
            }
            let ivr = try await admin.request("POST", "\(t)/extensions", json: #"{"kind":"ivr","number":"5000"}"#).json([String: AnyDecodable].self)["id"]?.string ?? ""
            let created = try await admin.request("POST", "\(t)/extension-groups", json: #"{"name":"Ventas","extensionIds":["\#(exts[1])","\#(exts[0])"]}"#)
            #expect(created.status == 201, "\(created.bodyText)")
            let group = try created.json(ExtensionGroupView.self)
            #expect(group.extensionIds == [exts[1], exts[0]], "ring order kept")
            #expect(try await admin.request("POST", "\(t)/extension-groups", json: #"{"name":"ventas","extensionIds":[]}"#).status == 409)
            let bad = try await admin.request("POST", "\(t)/extension-groups", json: #"{"name":"X","extensionIds":["\#(ivr)","\#(exts[0])","\#(exts[0])"]}"#)
            #expect(Set(try bad.json(ProblemDetails.self).errors?.map(\.field) ?? []) == ["extensionIds[0]", "extensionIds[2]"])

            let changed = try await admin.request("PATCH", "\(t)/extension-groups/\(group.id)", json: #"{"extensionIds":["\#(exts[2])"]}"#)
            #expect(try changed.json(ExtensionGroupView.self).extensionIds == [exts[2]])

            let number = try await portal.owner.query("""
                INSERT INTO public_numbers (tenant_id, number) VALUES (\(UUID(uuidString: tenant)!), '+34910000123') RETURNING id::text AS id
                """).first?.decode(String.self, "id") ?? ""
            let routed = try await admin.request("PATCH", "\(t)/numbers/\(number)", json: #"{"destination":{"type":"group","id":"\#(group.id)"}}"#)
            #expect(routed.status == 200, "\(routed.bodyText)")
            let rule = try await admin.request("POST", "\(t)/extensions/\(exts[0])/rules", json: #"{"kind":"busy","destination":{"type":"group","id":"\#(group.id)"}}"#)
            #expect(rule.status == 201, "\(rule.bodyText)")
            let inUse = try await admin.request("DELETE", "\(t)/extension-groups/\(group.id)")
            #expect(inUse.status == 409)
            let detail = try inUse.json(ProblemDetails.self).detail
            #expect(detail.contains("public number +34910000123") && detail.contains("rule 1 of extension 1001"))
            _ = try await admin.request("PATCH", "\(t)/numbers/\(number)", json: #"{"destination":null}"#)
            _ = try await admin.request("DELETE", "\(t)/extensions/\(exts[0])/rules/\(try rule.json([String: AnyDecodable].self)["id"]?.string ?? "")")
            #expect(try await admin.request("DELETE", "\(t)/extension-groups/\(group.id)").status == 204)
        }
    }

    @Test func membersCannotManageGroups() async throws {
        try await withLivePortal(label: "groups_member") { portal async throws in
            let tenant = try await portal.createTenant()
            let member = try await portal.createUser(tenant: tenant, role: "member")
            let client = try portal.client()
            try await client.signIn(member.username)
            #expect(try await client.request("GET", "/api/v1/tenants/\(tenant)/extension-groups").status == 403)
            #expect(try await client.request("POST", "/api/v1/tenants/\(tenant)/extension-groups", json: #"{"name":"x","extensionIds":[]}"#).status == 403)
        }
    }
}
