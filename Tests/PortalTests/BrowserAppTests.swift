import Foundation
import Testing
import TestSupport

/// The browser app in a real Chromium driven by Selenium (`Tests/Browser/app_test.py`) against
/// a live portal and a fresh database; screenshots of each screen go to `docs/screenshots/`.
@Suite struct BrowserAppTests {
    struct Created: Decodable { var id: String }

    @Test func theAppWorksInARealBrowser() async throws {
        try await withLivePortal(label: "browser") { portal async throws in
            let tenant = try await portal.createTenant("Acme Ibérica", alias: "acme")
            let admin = try await portal.createUser(tenant: tenant, role: "admin")
            let member = try await portal.createUser(tenant: tenant, role: "member")
            let client = try portal.client()
            try await client.signIn(admin.username)
            let t = "/api/v1/tenants/\(tenant)"
            #expect(try await client.request("PATCH", "\(t)/users/\(admin.id)", json: #"{"firstName":"Ana","lastName":"Pérez","language":"es"}"#).status == 200)
            #expect(try await client.request("PATCH", "\(t)/users/\(member.id)", json: #"{"firstName":"Bruno","language":"es"}"#).status == 200)
            #expect(try await client.request("POST", "\(t)/extensions", json: #"{"ownerId":"\#(member.id)","number":"1001","name":"Recepción"}"#).status == 201)
            #expect(try await client.request("POST", "\(t)/extensions", json: #"{"kind":"ivr","number":"3000","name":"Welcome"}"#).status == 201)
            // Enough phones that long choices get their filter box.
            for number in 1100..<1114 {
                #expect(try await client.request("POST", "\(t)/extensions", json: #"{"ownerId":"\#(admin.id)","number":"\#(number)","name":"Sala \#(number)"}"#).status == 201)
            }
            // Manual deployment: the queue stays pending until someone applies it.
            #expect(try await client.request("PUT", "\(t)/deployments/mode", json: #"{"deployMode":"manual"}"#).status == 200)
            #expect(try await client.request("POST", "\(t)/queues", json: #"{"name":"Support","number":"2000"}"#).status == 201)
            // The platform operator assigns the tenant a public number; the admin routes it in the app.
            let op = try await portal.createUser(tenant: nil, role: "operator")
            let operatorClient = try portal.client()
            try await operatorClient.signIn(op.username)
            #expect(try await operatorClient.request("POST", "\(t)/numbers", json: #"{"number":"+34910000123"}"#).status == 201)
            let output = try await Shell.run("/usr/bin/env", [
                "python3", LivePortal.home + "/Tests/Browser/app_test.py", "--base", "http://127.0.0.1:\(portal.port)",
                "--admin", admin.username, "--organisation", "acme", "--member", member.username, "--password", "correct-horse-battery",
                "--screenshots", LivePortal.home + "/docs/screenshots",
            ])
            #expect(output.contains(" 0 failed"), "\(output)")
        }
    }
}
