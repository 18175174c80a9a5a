import Foundation
import HTTPServer
@testable import Portal
import Postgres
import Testing
import TestSupport

/// Small things a client trips over: other people's intervals, API typos, the favicon, empty
/// validators and cursors, users made by the CLI, the contract's 400s.
@Suite struct EdgeCaseRequestTests {
    struct Created: Decodable { var id: String }

    @Test func aMemberCannotPutAnIntervalTheyCannotReadIntoTheirRule() async throws {
        try await withLivePortal(label: "rule_interval") { portal async throws in
            let tenant = try await portal.createTenant()
            let t = "/api/v1/tenants/\(tenant)"
            let adminUser = try await portal.createUser(tenant: tenant, role: "admin")
            let memberUser = try await portal.createUser(tenant: tenant, role: "member")
            let admin = try portal.client()
            try await admin.signIn(adminUser.username)
            let member = try portal.client()
            try await member.signIn(memberUser.username)
            let ext = try await admin.request("POST", "\(t)/extensions", json: #"{"ownerId":"\#(memberUser.id)","number":"1001"}"#).json(Created.self).id
            let admins = try await admin.request("POST", "\(t)/intervals", json: #"{"name":"Admin's","startTime":"09:00","endTime":"18:00"}"#).json(Created.self).id
            let mine = try await member.request("POST", "\(t)/intervals", json: #"{"name":"Mine","startTime":"09:00","endTime":"18:00"}"#).json(Created.self).id
            #expect(try await member.request("GET", "\(t)/intervals/\(admins)").status != 200, "the member cannot read it")
            let rule = { (interval: String) in #"{"kind":"hangup","intervalId":"\#(interval)"}"# }
            let refused = try await member.request("POST", "\(t)/extensions/\(ext)/rules", json: rule(admins))
            #expect(refused.status == 422 && refused.bodyText.contains("intervalId"), "\(refused.bodyText)")
            #expect(try await member.request("POST", "\(t)/extensions/\(ext)/rules", json: rule(mine)).status == 201)
            let byAdmin = try await admin.request("POST", "\(t)/extensions/\(ext)/rules", json: rule(admins))
            #expect(byAdmin.status == 201, "admins read every interval")
            let id = try byAdmin.json(Created.self).id
            #expect(try await member.request("PATCH", "\(t)/extensions/\(ext)/rules/\(id)", json: #"{"enabled":false}"#).status == 200,
                    "an interval the admin chose stays when the member changes something else")
        }
    }

    @Test func unknownAPIPathsAre404ProblemsNotTheApp() async throws {
        try await withLivePortal(label: "api_404") { portal async throws in
            let client = try portal.client()
            for path in ["/api/v1/nope", "/api/v2/tenants", "/api", "/internal/v1/whatever"] {
                let response = try await client.request("GET", path)
                #expect(response.status == 404, "\(path)")
                #expect(response.headers["Content-Type"]?.hasPrefix("application/problem+json") == true, "\(path)")
            }
            let app = try await client.request("GET", "/extensions/123")
            #expect(app.status == 200 && app.headers["Content-Type"]?.hasPrefix("text/html") == true, "app routes still get the app")
            let icon = try await client.request("GET", "/favicon.ico")
            #expect(icon.status == 200)
            #expect(icon.headers["Content-Type"] == "image/x-icon")
        }
    }

    @Test func emptyIfMatchAndEmptyCursorAreHandledSanely() async throws {
        try await withLivePortal(label: "empty_validators") { portal async throws in
            let tenant = try await portal.createTenant()
            let t = "/api/v1/tenants/\(tenant)"
            let user = try await portal.createUser(tenant: tenant, role: "admin")
            let admin = try portal.client()
            try await admin.signIn(user.username)
            let interval = try await admin.request("POST", "\(t)/intervals", json: #"{"name":"Hours","startTime":"09:00","endTime":"18:00"}"#).json(Created.self).id
            let patched = try await admin.request("PATCH", "\(t)/intervals/\(interval)", json: #"{"name":"Office"}"#, headers: ["If-Match": ""])
            #expect(patched.status == 200, "\(patched.bodyText)")
            #expect(try await admin.request("PATCH", "\(t)/intervals/\(interval)", json: #"{"name":"Stale"}"#, headers: ["If-Match": "\"1\""]).status == 412)
            for list in ["users", "intervals", "extensions", "audit"] {
                let page = try await admin.request("GET", "\(t)/\(list)?cursor=")
                #expect(page.status == 200, "\(list): \(page.bodyText)")
            }
        }
    }

    @Test func aUserMadeByTheCLIWithoutAFirstNameCanChangeOtherFieldsOfThemselves() async throws {
        try await withLivePortal(label: "cli_user") { portal async throws in
            let tenant = try await portal.createTenant()
            let created = try await portal.administration.createUser(tenantID: UUID(uuidString: tenant), role: "member", username: "no.name",
                                                                     password: "correct-horse-battery", firstName: "", lastName: "", email: nil)
            let client = try portal.client()
            #expect(try await client.signIn("no.name").status == 200)
            let city = try await client.request("PATCH", "/api/v1/tenants/\(tenant)/users/\(created.id)", json: #"{"city":"Cádiz"}"#)
            #expect(city.status == 200, "\(city.bodyText)")
            let me = try await client.request("PATCH", "/api/v1/me", json: #"{"language":"en"}"#)
            #expect(me.status == 200, "\(me.bodyText)")
            let blank = try await client.request("PATCH", "/api/v1/me", json: #"{"firstName":" "}"#)
            #expect(blank.status == 422 && blank.bodyText.contains("firstName"), "a field that is changed is still judged")
        }
    }

    @Test func everyOperationWithABodyDocumentsItsBadRequest() throws {
        let text = try String(contentsOfFile: OpenAPIDocumentTests.document, encoding: .utf8)
        var missing: [String] = []
        var path = "", operation = "", hasBody = false, has400 = false
        func close() { if hasBody && !has400 { missing.append("\(operation) \(path)") } }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("  /") && !line.hasPrefix("   ") { close(); path = String(line.dropFirst(2)); operation = ""; hasBody = false; has400 = false }
            else if line.hasPrefix("    ") && !line.hasPrefix("     ") && line.hasSuffix(":") {
                close(); operation = line.trimmingCharacters(in: .whitespaces); hasBody = false; has400 = false
            } else if line == "      requestBody:" { hasBody = true }
            else if line.hasPrefix("        '400'") { has400 = true }
            else if line == "components:" { close(); break }
        }
        #expect(missing.isEmpty, "\(missing)")
    }
}
