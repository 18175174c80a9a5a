import Foundation
import HTTPServer
@testable import Portal
import Postgres
import Testing
import TestSupport

/// INT-1 over the live API: every field validated, search, pages, bulk delete, ownership.
@Suite struct IntervalsAPITests {
    struct Page: Decodable {
        var items: [IntervalView]
        var nextCursor: String?
        var total: Int
    }

    func signedIn(_ portal: LivePortal, tenant: String, role: String) async throws -> (client: APIClient, id: String) {
        let user = try await portal.createUser(tenant: tenant, role: role)
        let client = try portal.client()
        #expect(try await client.signIn(user.username).status == 200)
        return (client, user.id)
    }

    @Test func intervalsAreCreatedReadChangedAndDeletedWithEveryField() async throws {
        try await withLivePortal(label: "intervals_crud") { portal async throws in
            let tenant = try await portal.createTenant()
            let (admin, adminID) = try await signedIn(portal, tenant: tenant, role: "admin")
            let base = "/api/v1/tenants/\(tenant)/intervals"
            let created = try await admin.request("POST", base, json: #"{"name":"Weekend","algorithm":"continuous","startTime":"22:00","endTime":"06:00","startWeekday":"friday","endWeekday":"monday","startDay":25,"endDay":5,"months":[12,1]}"#)
            #expect(created.status == 201, "\(created.bodyText)")
            let weekend = try created.json(IntervalView.self)
            #expect(weekend.ownerId == adminID && weekend.timezone == "Europe/Madrid", "owner and time zone default to the caller's and tenant's")
            #expect(weekend.months == [12, 1] && weekend.startDay == 25 && weekend.algorithm == "continuous" && weekend.endTime == "06:00")

            let holiday = try await admin.request("POST", base, json: #"{"name":"Navidad","timezone":"America/Argentina/Buenos_Aires","startTime":"00:00","endTime":"00:00","startDate":"2026-12-24","endDate":"2026-12-26"}"#)
            #expect(holiday.status == 201)
            #expect(try holiday.json(IntervalView.self).startDate == "2026-12-24")

            let changed = try await admin.request("PATCH", "\(base)/\(weekend.id)", json: #"{"endTime":"07:30","months":null}"#, headers: ["If-Match": "\"1\""])
            #expect(changed.status == 200, "\(changed.bodyText)")
            let updated = try changed.json(IntervalView.self)
            #expect(updated.endTime == "07:30" && updated.months.isEmpty && updated.version == 2)
            #expect(try await admin.request("PATCH", "\(base)/\(weekend.id)", json: #"{"name":"x"}"#, headers: ["If-Match": "\"1\""]).status == 412)
            #expect(try await admin.request("GET", "\(base)/\(weekend.id)").json(IntervalView.self) == updated)

            #expect(try await admin.request("DELETE", "\(base)/\(weekend.id)").status == 204)
            #expect(try await admin.request("GET", "\(base)/\(weekend.id)").status == 404)
            let actions = try await portal.owner.query("SELECT action FROM audit_log WHERE entity = 'interval' ORDER BY id").map { try $0.decode(String.self, "action") }
            #expect(actions == ["create", "create", "update", "delete"])
        }
    }

    @Test func everyInvalidFieldIsNamed() async throws {
        try await withLivePortal(label: "intervals_invalid") { portal async throws in
            let tenant = try await portal.createTenant()
            let (admin, _) = try await signedIn(portal, tenant: tenant, role: "admin")
            let response = try await admin.request("POST", "/api/v1/tenants/\(tenant)/intervals",
                json: #"{"name":"","algorithm":"sometimes","timezone":"Moon/Base","startTime":"25:00","endTime":"9:00","startWeekday":"funday","startDay":0,"endDay":40,"months":[0,13],"startDate":"2026-02-30","endDate":"2026-01-01","ownerId":"nope"}"#)
            #expect(response.status == 422)
            let fields = Set(try response.json(ProblemDetails.self).errors?.map(\.field) ?? [])
            #expect(fields.isSuperset(of: ["name", "algorithm", "timezone", "startTime", "endTime", "startWeekday", "startDay", "endDay",
                                           "months", "startDate", "ownerId"]), "\(fields)")
            let continuous = try await admin.request("POST", "/api/v1/tenants/\(tenant)/intervals", json: #"{"name":"Span","algorithm":"continuous"}"#)
            #expect(try continuous.json(ProblemDetails.self).errors?.first?.field == "startWeekday")
            let dates = try await admin.request("POST", "/api/v1/tenants/\(tenant)/intervals", json: #"{"name":"Backwards","startDate":"2026-05-02","endDate":"2026-05-01"}"#)
            #expect(try dates.json(ProblemDetails.self).errors?.first?.field == "endDate")
            let months = try await admin.request("POST", "/api/v1/tenants/\(tenant)/intervals", json: #"{"name":"M","months":"december"}"#)
            #expect(try months.json(ProblemDetails.self).errors?.first?.field == "months")
        }
    }

    @Test func searchPagesAndBulkDeleteAllOrNothing() async throws {
        try await withLivePortal(label: "intervals_bulk") { portal async throws in
            let tenant = try await portal.createTenant()
            let (admin, _) = try await signedIn(portal, tenant: tenant, role: "admin")
            let base = "/api/v1/tenants/\(tenant)/intervals"
            var ids: [String] = []
            for name in ["Horario de mañana", "Horario de tarde", "Festivos", "Noches", "Mañanas de sábado"] {
                ids.append(try await admin.request("POST", base, json: #"{"name":"\#(name)"}"#).json(IntervalView.self).id)
            }
            #expect(try await admin.request("GET", "\(base)?q=MANANA").json(Page.self).total == 2)
            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try await admin.request("GET", "\(base)?limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")).json(Page.self)
                seen += page.items.map(\.name)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(seen == seen.sorted { $0.lowercased() < $1.lowercased() } && seen.count == 5)

            let missing = UUID().uuidString.lowercased()
            let refused = try await admin.request("POST", "\(base)/delete", json: #"{"ids":["\#(ids[0])","\#(missing)"]}"#)
            #expect(refused.status == 404)
            #expect(try await admin.request("GET", base).json(Page.self).total == 5, "nothing was deleted")
            #expect(try await admin.request("POST", "\(base)/delete", json: #"{"ids":["\#(ids[0])","\#(ids[1])"]}"#).status == 204)
            #expect(try await admin.request("GET", base).json(Page.self).total == 3)
            #expect(try await admin.request("POST", "\(base)/delete", json: #"{"ids":["junk"]}"#).status == 422)
        }
    }

    @Test func membersManageOnlyTheirOwnIntervals() async throws {
        try await withLivePortal(label: "intervals_member") { portal async throws in
            let tenant = try await portal.createTenant()
            let (admin, adminID) = try await signedIn(portal, tenant: tenant, role: "admin")
            let (member, memberID) = try await signedIn(portal, tenant: tenant, role: "member")
            let base = "/api/v1/tenants/\(tenant)/intervals"
            let adminsInterval = try await admin.request("POST", base, json: #"{"name":"Admin hours"}"#).json(IntervalView.self)
            let mine = try await member.request("POST", base, json: #"{"name":"My hours"}"#)
            #expect(mine.status == 201)
            #expect(try mine.json(IntervalView.self).ownerId == memberID)
            #expect(try await member.request("GET", base).json(Page.self).items.map(\.name) == ["My hours"])
            #expect(try await member.request("GET", "\(base)/\(adminsInterval.id)").status == 403)
            #expect(try await member.request("PATCH", "\(base)/\(adminsInterval.id)", json: #"{"name":"Mine now"}"#).status == 403)
            #expect(try await member.request("POST", base, json: #"{"name":"For the boss","ownerId":"\#(adminID)"}"#).status == 403)
            #expect(try await member.request("POST", "\(base)/delete", json: #"{"ids":["\#(adminsInterval.id)"]}"#).status == 403)
            #expect(try await admin.request("GET", base).json(Page.self).total == 2, "admins see everyone's")
            #expect(try await admin.request("GET", "\(base)?owner=\(memberID)").json(Page.self).total == 1)
        }
    }

    @Test func ownersAndIntervalsOfAnotherTenantAreOutOfReach() async throws {
        try await withLivePortal(label: "intervals_cross") { portal async throws in
            let tenantA = try await portal.createTenant("A")
            let tenantB = try await portal.createTenant("B")
            let (adminA, _) = try await signedIn(portal, tenant: tenantA, role: "admin")
            let (adminB, adminBID) = try await signedIn(portal, tenant: tenantB, role: "admin")
            let theirs = try await adminB.request("POST", "/api/v1/tenants/\(tenantB)/intervals", json: #"{"name":"B hours"}"#).json(IntervalView.self)
            #expect(try await adminA.request("GET", "/api/v1/tenants/\(tenantB)/intervals/\(theirs.id)").status == 404)
            #expect(try await adminA.request("GET", "/api/v1/tenants/\(tenantA)/intervals/\(theirs.id)").status == 404)
            #expect(try await adminA.request("POST", "/api/v1/tenants/\(tenantA)/intervals/delete", json: #"{"ids":["\#(theirs.id)"]}"#).status == 404)
            let foreignOwner = try await adminA.request("POST", "/api/v1/tenants/\(tenantA)/intervals", json: #"{"name":"Stolen","ownerId":"\#(adminBID)"}"#)
            #expect(foreignOwner.status == 422)
            #expect(try foreignOwner.json(ProblemDetails.self).errors?.first?.field == "ownerId")
            #expect(try await adminB.request("GET", "/api/v1/tenants/\(tenantB)/intervals/\(theirs.id)").status == 200)
        }
    }
}
