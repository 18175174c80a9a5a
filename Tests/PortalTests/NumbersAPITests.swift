import Foundation
import HTTPServer
@testable import Portal
import Postgres
import Telephony
import Testing
import TestSupport

/// TEN-2: operators assign numbers, tenant admins route them.
@Suite struct NumbersAPITests {
    @Test func operatorsAssignAndAdminsRoute() async throws {
        try await withLivePortal(label: "numbers") { portal async throws in
            let tenant = try await portal.createTenant()
            let other = try await portal.createTenant()
            let op = try await portal.createUser(tenant: nil, role: "operator")
            let adminUser = try await portal.createUser(tenant: tenant, role: "admin")
            let operatorClient = try portal.client()
            try await operatorClient.signIn(op.username)
            let admin = try portal.client()
            try await admin.signIn(adminUser.username)
            let base = "/api/v1/tenants/\(tenant)/numbers"

            let assigned = try await operatorClient.request("POST", base, json: #"{"number":"0034 (91) 000-0001"}"#)
            #expect(assigned.status == 201, "\(assigned.bodyText)")
            let number = try assigned.json(NumberView.self)
            #expect(number.number == "+34910000001" && number.destination == nil)
            #expect(try await operatorClient.request("POST", "/api/v1/tenants/\(other)/numbers", json: #"{"number":"+34910000001"}"#).status == 409,
                    "unique on the platform")
            #expect(try await operatorClient.request("POST", base, json: #"{"number":"910000001"}"#).status == 422)
            #expect(try await admin.request("POST", base, json: #"{"number":"+34910000002"}"#).status == 403)

            let ext = try await admin.request("POST", "/api/v1/tenants/\(tenant)/extensions", json: #"{"ownerId":"\#(adminUser.id)","number":"1001"}"#)
                .json([String: AnyDecodable].self)["id"]?.string ?? ""
            let routed = try await admin.request("PATCH", "\(base)/\(number.id)", json: #"{"destination":{"type":"extension","id":"\#(ext)"}}"#)
            #expect(routed.status == 200, "\(routed.bodyText)")
            #expect(try routed.json(NumberView.self).destination == .extensionTarget(id: ext))
            let extView = try await admin.request("GET", "/api/v1/tenants/\(tenant)/extensions/\(ext)").json(ExtensionView.self)
            #expect(extView.publicNumbers == ["+34910000001"], "the extension shows the numbers routed to it")

            // CALL-1 caller IDs: the company's own numbers only (not another tenant's, not made up).
            let tenantPath = "/api/v1/tenants/\(tenant)", mergePatch = ["Content-Type": "application/merge-patch+json"]
            _ = try await operatorClient.request("POST", "/api/v1/tenants/\(other)/numbers", json: #"{"number":"+34910000099"}"#)
            let foreign = try await admin.request("PATCH", tenantPath, json: #"{"outgoingCallerIds":["+34910000001","+34910000099","+34910000098"]}"#, headers: mergePatch)
            #expect(foreign.status == 422, "\(foreign.bodyText)")
            #expect(Set(try foreign.json(ProblemDetails.self).errors?.map(\.field) ?? []) == ["outgoingCallerIds[1]", "outgoingCallerIds[2]"])
            let own = try await admin.request("PATCH", tenantPath, json: #"{"outgoingCallerIds":["+34 91 000 0001"]}"#, headers: mergePatch)
            #expect(own.status == 200, "\(own.bodyText)")

            let external = try await admin.request("PATCH", "\(base)/\(number.id)", json: #"{"destination":{"type":"external","number":"+1 (415) 555-0100"}}"#)
            #expect(try external.json(NumberView.self).destination == .external(number: "+14155550100"))
            let cleared = try await admin.request("PATCH", "\(base)/\(number.id)", json: #"{"destination":null}"#)
            #expect(try cleared.json(NumberView.self).destination == nil)

            for (body, field) in [(#"{"destination":{"type":"fax","id":"x"}}"#, "destination.type"),
                                  (#"{"destination":{"type":"extension","id":"\#(UUID().uuidString)"}}"#, "destination.id"),
                                  (#"{"destination":{"type":"group","id":"\#(UUID().uuidString)"}}"#, "destination.id"),
                                  (#"{"destination":{"type":"external","number":"12"}}"#, "destination.number"),
                                  (#"{"destination":{"type":"voicemail"}}"#, "destination.id")] {
                let refused = try await admin.request("PATCH", "\(base)/\(number.id)", json: body)
                #expect(refused.status == 422, "\(body)")
                #expect(try refused.json(ProblemDetails.self).errors?.first?.field == field, "\(body): \(refused.bodyText)")
            }
            // The decoder's own words reach the client, not a generic "is not valid".
            let short = try await admin.request("PATCH", "\(base)/\(number.id)", json: #"{"destination":{"type":"external","number":"12"}}"#)
            #expect(try short.json(ProblemDetails.self).errors?.first?.message.contains("international form") == true, "\(short.bodyText)")
            #expect(try await admin.request("GET", base).json(ListPage<NumberView>.Decoded.self).total == 1)
            #expect(try await admin.request("DELETE", "\(base)/\(number.id)").status == 403)
            #expect(try await operatorClient.request("DELETE", "\(base)/\(number.id)").status == 204)
        }
    }

    @Test func anotherTenantsExtensionIsNotADestination() async throws {
        try await withLivePortal(label: "numbers_cross") { portal async throws in
            let tenantA = try await portal.createTenant()
            let tenantB = try await portal.createTenant()
            let adminA = try await portal.createUser(tenant: tenantA, role: "admin")
            let adminB = try await portal.createUser(tenant: tenantB, role: "admin")
            let a = try portal.client()
            try await a.signIn(adminA.username)
            let b = try portal.client()
            try await b.signIn(adminB.username)
            let foreign = try await b.request("POST", "/api/v1/tenants/\(tenantB)/extensions", json: #"{"ownerId":"\#(adminB.id)","number":"1001"}"#)
                .json([String: AnyDecodable].self)["id"]?.string ?? ""
            let number = try await portal.owner.query("""
                INSERT INTO public_numbers (tenant_id, number) VALUES (\(UUID(uuidString: tenantA)!), '+34910000099') RETURNING id::text AS id
                """).first?.decode(String.self, "id") ?? ""
            let refused = try await a.request("PATCH", "/api/v1/tenants/\(tenantA)/numbers/\(number)", json: #"{"destination":{"type":"extension","id":"\#(foreign)"}}"#)
            #expect(refused.status == 422)
            #expect(try await b.request("GET", "/api/v1/tenants/\(tenantA)/numbers/\(number)").status == 404)
        }
    }
}

extension ListPage {
    /// Test-side decoding of a list answer.
    struct Decoded: Decodable {
        var total: Int
    }
}
