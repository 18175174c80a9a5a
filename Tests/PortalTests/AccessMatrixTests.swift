import Foundation
import Postgres
import Testing
import TestSupport

/// Every endpoint × every kind of caller → the expected status. Another tenant's admin always
/// gets 404 (tenant IDs cannot be probed) and changes nothing.
@Suite struct AccessMatrixTests {
    enum Caller: String, CaseIterable {
        case anonymous, member, admin, otherAdmin, operatorUser, adminKey, memberKey
    }

    struct Row {
        var method: String
        var path: String
        var body: String?
        /// Expected status per caller, in `Caller.allCases` order.
        var expected: [Int]
    }

    @Test func everyEndpointAnswersEachCallerAsSpecified() async throws {
        try await withLivePortal(label: "matrix") { portal async throws in
            let tenant = try await portal.createTenant("Matrix")
            let otherTenant = try await portal.createTenant("Other")
            let member = try await portal.createUser(tenant: tenant, role: "member")
            let admin = try await portal.createUser(tenant: tenant, role: "admin")
            let otherAdmin = try await portal.createUser(tenant: otherTenant, role: "admin")
            let op = try await portal.createUser(tenant: nil, role: "operator")

            var clients: [Caller: APIClient] = [:]
            clients[.anonymous] = try portal.client()
            for (caller, user) in [(Caller.member, member), (.admin, admin), (.otherAdmin, otherAdmin), (.operatorUser, op)] {
                let client = try portal.client()
                #expect(try await client.signIn(user.username).status == 200)
                clients[caller] = client
            }
            for (caller, role) in [(Caller.adminKey, "admin"), (.memberKey, "member")] {
                let response = try await clients[.admin]!.request("POST", "/api/v1/tenants/\(tenant)/api-keys", json: #"{"name":"\#(role) key","role":"\#(role)"}"#)
                let client = try portal.client()
                client.bearer = try #require(try response.json([String: AnyDecodable].self)["secret"]?.string)
                clients[caller] = client
            }

            let t = "/api/v1/tenants/\(tenant)"
            var counter = 0
            func newUserBody() -> String {
                counter += 1
                return #"{"firstName":"New","username":"matrix.\#(counter).\#(UUID().uuidString.prefix(4))","password":"correct horse battery","passwordConfirmation":"correct horse battery","role":"member"}"#
            }
            let ivr = try #require(try await clients[.admin]!.request("POST", "\(t)/extensions", json: #"{"kind":"ivr","number":"3999"}"#)
                .json([String: AnyDecodable].self)["id"]?.string)
            func newQueueBody() -> String {
                counter += 1
                return #"{"name":"Queue \#(counter)","number":"2\#(String(format: "%03d", counter))"}"#
            }
            //                                          anon  member admin other op   aKey mKey
            let rows: [Row] = [
                Row(method: "GET", path: "/api/v1/me", expected: [401, 200, 200, 200, 200, 403, 403]),
                Row(method: "GET", path: "/api/v1/tenants", expected: [401, 403, 403, 403, 200, 403, 403]),
                Row(method: "GET", path: t, expected: [401, 200, 200, 404, 200, 200, 200]),
                Row(method: "PATCH", path: t, body: #"{"contactEmail":"it@matrix.example"}"#, expected: [401, 403, 200, 404, 200, 200, 403]),
                Row(method: "GET", path: "\(t)/users", expected: [401, 403, 200, 404, 200, 200, 403]),
                Row(method: "POST", path: "\(t)/users", body: "new", expected: [401, 403, 201, 404, 201, 201, 403]),
                Row(method: "GET", path: "\(t)/users/\(member.id)", expected: [401, 200, 200, 404, 200, 200, 403]),
                Row(method: "PATCH", path: "\(t)/users/\(admin.id)", body: #"{"city":"Madrid"}"#, expected: [401, 403, 200, 404, 200, 200, 403]),
                Row(method: "DELETE", path: "\(t)/users/{victim}", expected: [401, 403, 204, 404, 204, 204, 403]),
                Row(method: "GET", path: "\(t)/users/\(member.id)/storage", expected: [401, 200, 200, 404, 200, 200, 403]),
                Row(method: "GET", path: "\(t)/audit", expected: [401, 403, 200, 404, 200, 200, 403]),
                Row(method: "GET", path: "\(t)/api-keys", expected: [401, 403, 200, 404, 200, 200, 403]),
                Row(method: "POST", path: "\(t)/api-keys", body: #"{"name":"more","role":"member"}"#, expected: [401, 403, 201, 404, 201, 201, 403]),
                Row(method: "POST", path: "/api/v1/tenants", body: #"{"name":"Made here"}"#, expected: [401, 403, 403, 403, 201, 403, 403]),
                Row(method: "GET", path: "\(t)/queues", expected: [401, 200, 200, 404, 200, 200, 403]),
                Row(method: "POST", path: "\(t)/queues", body: "queue", expected: [401, 403, 201, 404, 201, 201, 403]),
                Row(method: "GET", path: "\(t)/ivrs/\(ivr)/contexts", expected: [401, 403, 200, 404, 200, 200, 403]),
                Row(method: "POST", path: "\(t)/ivrs/\(ivr)/contexts", body: "context", expected: [401, 403, 201, 404, 201, 201, 403]),
                Row(method: "GET", path: "\(t)/call-flows", expected: [401, 403, 200, 404, 200, 200, 403]),
                Row(method: "POST", path: "\(t)/call-flows", body: "flow", expected: [401, 403, 201, 404, 201, 201, 403]),
            ]
            for row in rows {
                for (caller, expected) in zip(Caller.allCases, row.expected) {
                    var path = row.path
                    if path.contains("{victim}") {
                        path = path.replacingOccurrences(of: "{victim}", with: try await portal.createUser(tenant: tenant, role: "member").id)
                    }
                    let body: String?
                    switch row.body {
                    case "new": body = newUserBody()
                    case "queue": body = newQueueBody()
                    case "context": counter += 1; body = #"{"name":"Context \#(counter)"}"#
                    case "flow": counter += 1; body = #"{"name":"Flow \#(counter)","actions":[{"type":"hangup"}]}"#
                    default: body = row.body
                    }
                    let status = try await clients[caller]!.request(row.method, path, json: body).status
                    #expect(status == expected, "\(row.method) \(row.path) as \(caller.rawValue): \(status), expected \(expected)")
                }
            }

            // The other tenant's admin changed nothing here.
            let byOther = try await portal.owner.query("""
                SELECT count(*)::int AS c FROM audit_log WHERE tenant_id = \(UUID(uuidString: tenant)!) AND actor_name = \(otherAdmin.username)
                """).first?.decode(Int.self, "c")
            #expect(byOther == 0)

            // Deleting the tenant is for operators only (last, as it removes everything).
            for (caller, expected) in [(Caller.anonymous, 401), (.member, 403), (.admin, 403), (.otherAdmin, 404), (.adminKey, 403),
                                       (.memberKey, 403), (.operatorUser, 204)] {
                let status = try await clients[caller]!.request("DELETE", t).status
                #expect(status == expected, "DELETE tenant as \(caller.rawValue): \(status)")
            }
        }
    }
}
