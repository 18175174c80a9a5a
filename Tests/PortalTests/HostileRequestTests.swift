import Foundation
import HTTPServer
@testable import Portal
import Postgres
import PropertyTesting
import Testing
import TestSupport

/// Requests a hostile tenant member or integrator sends: none may crash the portal, end in a
/// 500, or be stored other than as sent.
@Suite struct HostileRequestTests {
    struct Created: Decodable { var id: String }
    struct Problem: Decodable {
        struct FieldError: Decodable { var field: String }
        var status: Int
        var errors: [FieldError]?
    }

    func signedInAdmin(_ portal: LivePortal) async throws -> (tenant: String, admin: APIClient, userID: String) {
        let tenant = try await portal.createTenant()
        let user = try await portal.createUser(tenant: tenant, role: "admin")
        let admin = try portal.client()
        try await admin.signIn(user.username)
        return (tenant, admin, user.id)
    }

    @Test func aNulInAnyStringIs422NamingTheFieldOnEveryResource() async throws {
        try await withLivePortal(label: "nul_strings") { portal async throws in
            let (tenant, admin, userID) = try await signedInAdmin(portal)
            let t = "/api/v1/tenants/\(tenant)"
            let nul = #"abc\u0000def"#
            let ivr = try await admin.request("POST", "\(t)/extensions", json: #"{"kind":"ivr","number":"3999"}"#).json(Created.self).id
            let cases: [(method: String, path: String, body: String, field: String)] = [
                ("POST", "\(t)/extensions", #"{"number":"1001","ownerId":"\#(userID)","name":"\#(nul)"}"#, "name"),
                ("POST", "\(t)/intervals", #"{"name":"\#(nul)","startTime":"09:00","endTime":"18:00"}"#, "name"),
                ("POST", "\(t)/users", #"{"firstName":"\#(nul)","lastName":"B","username":"nul.user","password":"correct horse battery","passwordConfirmation":"correct horse battery","role":"member"}"#, "firstName"),
                ("POST", "\(t)/call-flows", #"{"name":"\#(nul)","actions":[{"type":"hangup"}]}"#, "name"),
                ("POST", "\(t)/call-flows", #"{"name":"Flow","actions":[{"type":"play","soundId":"\#(nul)"}]}"#, "actions[0].soundId"),
                ("POST", "\(t)/ivrs/\(ivr)/contexts", #"{"name":"\#(nul)"}"#, "name"),
                ("POST", "\(t)/api-keys", #"{"name":"\#(nul)","role":"member"}"#, "name"),
                ("POST", "\(t)/extension-groups", #"{"name":"\#(nul)","extensionIds":[]}"#, "name"),
                ("POST", "\(t)/queues", #"{"name":"\#(nul)","number":"2000"}"#, "name"),
                ("PATCH", "\(t)/users/\(userID)", #"{"city":"\#(nul)"}"#, "city"),
                ("PATCH", "/api/v1/me", #"{"city":"\#(nul)"}"#, "city"),
                ("POST", "\(t)/simulate", #"{"to":"\#(nul)","at":"2026-11-24T10:00:00Z"}"#, "to"),
            ]
            for c in cases {
                let response = try await admin.request(c.method, c.path, json: c.body)
                #expect(response.status == 422, "\(c.method) \(c.path): \(response.bodyText)")
                let problem = try? response.json(Problem.self)
                #expect(problem?.errors?.map(\.field) == [c.field], "\(c.method) \(c.path): \(response.bodyText)")
            }
            let query = try await admin.request("GET", "\(t)/extensions?q=abc%00def")
            #expect(query.status == 422 && query.bodyText.contains("\"q\""), "\(query.bodyText)")
            #expect(try await admin.request("GET", "\(t)/users/abc%00def").status == 404)
        }
    }

    @Test func aCascadeStepOfTheLargestIntegerIs422NotACrash() async throws {
        try await withLivePortal(label: "cascade_overflow") { portal async throws in
            let (tenant, admin, userID) = try await signedInAdmin(portal)
            let t = "/api/v1/tenants/\(tenant)"
            let ext = try await admin.request("POST", "\(t)/extensions", json: #"{"number":"1001","ownerId":"\#(userID)"}"#).json(Created.self).id
            let rule = try await admin.request("POST", "\(t)/extensions/\(ext)/rules", json: #"{"kind":"cascade","totalSeconds":30,"steps":[{"destination":{"type":"extension","id":"\#(ext)"},"afterSeconds":0},{"destination":{"type":"extension","id":"\#(ext)"},"afterSeconds":9223372036854775807}]}"#)
            #expect(rule.status == 422, "\(rule.bodyText)")
            #expect(rule.bodyText.contains("steps[1].afterSeconds"))
            #expect(try await admin.request("GET", "/healthz").status == 200, "the portal is still up")
        }
    }

    @Test func randomBodiesNeverGetA500() async throws {
        try await withLivePortal(label: "random_bodies") { portal async throws in
            let (tenant, admin, userID) = try await signedInAdmin(portal)
            let t = "/api/v1/tenants/\(tenant)"
            let ext = try await admin.request("POST", "\(t)/extensions", json: #"{"number":"1001","ownerId":"\#(userID)"}"#).json(Created.self).id
            let ivr = try await admin.request("POST", "\(t)/extensions", json: #"{"kind":"ivr","number":"3999"}"#).json(Created.self).id
            let keys = ["name", "number", "kind", "type", "id", "steps", "afterSeconds", "totalSeconds", "startTime", "endTime", "actions",
                        "destination", "url", "timeoutSeconds", "branches", "firstName", "role", "maxWaiting", "extensionIds", "to", "at",
                        "external", "cascade", "httpNotification", "ownerId", "\(userID)", "\(ext)", "09:00", "+34910000000"]
            let targets = ["\(t)/extensions", "\(t)/intervals", "\(t)/extensions/\(ext)/rules", "\(t)/queues", "\(t)/call-flows",
                           "\(t)/ivrs/\(ivr)/contexts", "\(t)/extension-groups", "\(t)/simulate", "\(t)/users", "\(t)/numbers"]
            var failures: [String] = []
            var client = admin
            var g = SeededGenerator(seed: 14)
            for i in 0..<240 {
                let path = i % 7 == 0 ? "\(t)/extensions/\(ext)" : targets[i % targets.count]
                let body = Arbitrary.json(&g, depth: 4, keys: keys)
                let response: RawResponse
                do {
                    response = try await client.request(i % 7 == 0 ? "PATCH" : "POST", path, json: body)
                } catch {
                    failures.append("\(i) \(path) \(body) → \(error)")
                    break
                }
                if response.headers["Connection"] == "close" {
                    // 413 for the long strings: carry on over a new connection with the same session.
                    let next = try portal.client()
                    (next.cookie, next.csrfToken) = (client.cookie, client.csrfToken)
                    client = next
                }
                if response.status >= 500 { failures.append("\(path) \(body) → \(response.status) \(response.bodyText)") }
            }
            #expect(failures.isEmpty, "\(failures.prefix(5))")
        }
    }

    @Test func outboundAddressesToInternalHostsAre422NamingTheField() async throws {
        try await withLivePortal(label: "ssrf") { portal async throws in
            let (tenant, admin, _) = try await signedInAdmin(portal)
            let t = "/api/v1/tenants/\(tenant)"
            for url in ["http://127.0.0.1:8090/{number}", "http://169.254.169.254/{number}", "http://localhost:5432/{number}",
                        "http://0x7f000001/{number}", "http://2130706433/{number}", "http://user@127.0.0.1/{number}", "http://10.1.2.3/{number}"] {
                let flow = try await admin.request("POST", "\(t)/call-flows", json: #"{"name":"Lookup","actions":[{"type":"lookupName","url":"\#(url)","timeoutSeconds":2},{"type":"hangup"}]}"#)
                #expect(flow.status == 422, "\(url): \(flow.bodyText)")
                #expect(flow.bodyText.contains("actions[0].url"), "\(url): \(flow.bodyText)")
                let hook = try await admin.request("POST", "\(t)/call-flows", json: #"{"name":"Hook","actions":[{"type":"httpNotification","url":"\#(url)","timeoutSeconds":2},{"type":"hangup"}]}"#)
                #expect(hook.status == 422 && hook.bodyText.contains("actions[0].url"), "\(url): \(hook.bodyText)")
            }
            let fine = try await admin.request("POST", "\(t)/call-flows", json: #"{"name":"Lookup","actions":[{"type":"lookupName","url":"https://crm.example.com/n?{number}","timeoutSeconds":2},{"type":"hangup"}]}"#)
            #expect(fine.status == 201, "\(fine.bodyText)")
        }
    }
}
