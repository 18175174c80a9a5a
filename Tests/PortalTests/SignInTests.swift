import Foundation
import HTTPServer
@testable import Portal
import Postgres
import Testing
import TestSupport

/// USR-1, USR-2: sign-in, sessions, CSRF, throttling, expiry and password changes.
@Suite struct SignInTests {
    func problem(_ response: RawResponse) throws -> ProblemDetails { try response.json(ProblemDetails.self) }

    @Test func signInSetsAStrictHttpOnlyCookieAndMeAnswers() async throws {
        try await withLivePortal(label: "signin") { portal async throws in
            let tenant = try await portal.createTenant()
            let admin = try await portal.createUser(tenant: tenant, role: "admin")
            let client = try portal.client()
            let response = try await client.signIn(admin.username)
            #expect(response.status == 200)
            let cookie = try #require(response.headers["Set-Cookie"])
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Strict"))
            #expect(!cookie.contains("Secure"))
            #expect(response.bodyText.contains(#""tenantId":"\#(tenant)""#))
            #expect(!response.bodyText.contains("password"))
            let me = try await client.request("GET", "/api/v1/me")
            #expect(me.status == 200)
            #expect(try me.json(UserView.self).username == admin.username)
            #expect(me.headers["ETag"] == "\"1\"")
        }
    }

    @Test func secureCookiesCanBeRequired() async throws {
        var auth = AuthConfiguration()
        auth.secureCookies = true
        try await withLivePortal(auth: auth, label: "secure") { portal async throws in
            let user = try await portal.createUser(tenant: try await portal.createTenant(), role: "member")
            let response = try await (try portal.client()).signIn(user.username)
            #expect(response.headers["Set-Cookie"]?.contains("; Secure") == true)
        }
    }

    @Test func cookiesAreSecureBehindATLSProxy() async throws {
        try await withLivePortal(label: "tls_proxy") { portal async throws in
            let user = try await portal.createUser(tenant: try await portal.createTenant(), role: "member")
            let response = try await (try portal.client()).request("POST", "/api/v1/session",
                json: #"{"username":"\#(user.username)","password":"correct-horse-battery"}"#, headers: ["X-Forwarded-Proto": "https"])
            #expect(response.headers["Set-Cookie"]?.contains("; Secure") == true)
        }
    }

    @Test func wrongPasswordAndUnknownUserGetTheSameAnswer() async throws {
        try await withLivePortal(label: "wrong") { portal async throws in
            let user = try await portal.createUser(tenant: try await portal.createTenant(), role: "member")
            let wrongPassword = try await (try portal.client()).signIn(user.username, "not-the-password")
            let unknownUser = try await (try portal.client()).signIn("nobody-\(UUID().uuidString.prefix(6))", "not-the-password")
            #expect(wrongPassword.status == 401)
            #expect(unknownUser.status == 401)
            #expect(try problem(wrongPassword).detail == problem(unknownUser).detail)
            #expect(try problem(wrongPassword).type == problem(unknownUser).type)
            #expect(wrongPassword.headers["Set-Cookie"] == nil)
        }
    }

    @Test func missingFieldsAreNamed() async throws {
        try await withLivePortal(label: "fields") { portal async throws in
            let response = try await (try portal.client()).request("POST", "/api/v1/session", json: #"{"username":"x"}"#)
            #expect(response.status == 422)
            #expect(try problem(response).errors?.first?.field == "password")
            let malformed = try await (try portal.client()).request("POST", "/api/v1/session", json: "{not json")
            #expect(malformed.status == 400)
        }
    }

    @Test func anonymousCallsAreRefused() async throws {
        try await withLivePortal(label: "anon") { portal async throws in
            #expect(try await (try portal.client()).request("GET", "/api/v1/me").status == 401)
            #expect(try await (try portal.client()).request("DELETE", "/api/v1/session").status == 401)
        }
    }

    @Test func cookieWritesNeedTheCSRFToken() async throws {
        try await withLivePortal(label: "csrf") { portal async throws in
            let user = try await portal.createUser(tenant: try await portal.createTenant(), role: "member")
            let client = try portal.client()
            try await client.signIn(user.username)
            let refused = try await client.request("DELETE", "/api/v1/session", withCSRF: false)
            #expect(refused.status == 403)
            #expect(try problem(refused).type.hasSuffix("/csrf"))
            let wrong = try await client.request("DELETE", "/api/v1/session", headers: ["X-CSRF-Token": "forged"], withCSRF: false)
            #expect(wrong.status == 403)
            #expect(try await client.request("GET", "/api/v1/me").status == 200, "still signed in")
            #expect(try await client.request("DELETE", "/api/v1/session").status == 204)
            #expect(try await client.request("GET", "/api/v1/me").status == 401, "signed out")
        }
    }

    @Test func repeatedFailuresAreThrottledWithoutRevealingTheUsername() async throws {
        var auth = AuthConfiguration()
        auth.maxFailuresPerUsername = 3
        auth.maxFailuresPerAddress = 100
        try await withLivePortal(auth: auth, label: "throttle") { portal async throws in
            let user = try await portal.createUser(tenant: try await portal.createTenant(), role: "member")
            let ghost = "ghost-\(UUID().uuidString.prefix(6))"
            for name in [user.username, ghost] {
                for _ in 0..<3 { #expect(try await (try portal.client()).signIn(name, "nope-nope-nope").status == 401) }
                let throttled = try await (try portal.client()).signIn(name, "correct-horse-battery")
                #expect(throttled.status == 429, "\(name)")
                let retryAfter = Int(throttled.headers["Retry-After"] ?? "") ?? 0
                #expect(retryAfter > 0 && retryAfter <= 15 * 60)
            }
        }
    }

    @Test func passwordsStoredAtAnOlderCostAreUpgradedAtSignIn() async throws {
        try await withLivePortal(label: "rehash") { portal async throws in
            let user = try await portal.createUser(tenant: try await portal.createTenant(), role: "member")
            let cheap = try Secrets.hashPasswordBlocking("correct-horse-battery", parameters: .init(n: 1024, r: 8, p: 1))
            try await portal.owner.query("UPDATE users SET password_hash = \(cheap) WHERE id = \(UUID(uuidString: user.id)!)")
            #expect(try await (try portal.client()).signIn(user.username).status == 200)
            let stored = try await portal.owner.query("SELECT password_hash FROM users WHERE id = \(UUID(uuidString: user.id)!)").first?.decode(String.self, "password_hash")
            #expect(stored?.hasPrefix("scrypt$32768$8$1$") == true)
            #expect(try await (try portal.client()).signIn(user.username).status == 200, "the upgraded hash still verifies")
        }
    }

    @Test func oldFailedSignInsAreForgotten() async throws {
        try await withLivePortal(label: "attempts_pruned") { portal async throws in
            try await portal.owner.query("INSERT INTO login_attempts (username, address, attempted_at) VALUES ('old', '10.0.0.1', now() - interval '2 days')")
            _ = try await (try portal.client()).signIn("someone", "wrong-password")
            let rows = try await portal.owner.query("SELECT username::text AS u FROM login_attempts ORDER BY id").map { try $0.decode(String.self, "u") }
            #expect(rows == ["someone"])
        }
    }

    @Test func failuresPerAddressAreThrottledAcrossUsernames() async throws {
        var auth = AuthConfiguration()
        auth.maxFailuresPerUsername = 100
        auth.maxFailuresPerAddress = 4
        try await withLivePortal(auth: auth, label: "throttle_address") { portal async throws in
            let user = try await portal.createUser(tenant: try await portal.createTenant(), role: "member")
            for i in 0..<4 { _ = try await (try portal.client()).signIn("someone-\(i)", "wrong-password") }
            #expect(try await (try portal.client()).signIn(user.username).status == 429)
        }
    }

    /// Expiry is checked against the session's own timestamps, moved back in the database
    /// instead of waiting, so the test does not depend on how fast the machine is.
    @Test func idleSessionsExpire() async throws {
        try await withLivePortal(label: "idle") { portal async throws in
            let user = try await portal.createUser(tenant: try await portal.createTenant(), role: "member")
            let client = try portal.client()
            try await client.signIn(user.username)
            #expect(try await client.request("GET", "/api/v1/me").status == 200)
            try await portal.owner.query("UPDATE sessions SET last_seen_at = now() - interval '12 hours 1 minute'")
            // The change reaches the portal's identity cache through NOTIFY, a moment later.
            #expect(try await eventually { try await client.request("GET", "/api/v1/me").status == 401 })
            #expect(try await portal.owner.query("SELECT count(*)::int AS c FROM sessions").first?.decode(Int.self, "c") == 0, "the expired session is gone")
        }
    }

    @Test func sessionsEndAtTheirAbsoluteLifetime() async throws {
        try await withLivePortal(label: "lifetime") { portal async throws in
            let user = try await portal.createUser(tenant: try await portal.createTenant(), role: "member")
            let client = try portal.client()
            try await client.signIn(user.username)
            let lifetime = try await portal.owner.query("SELECT extract(epoch FROM expires_at - created_at)::int AS s FROM sessions").first?.decode(Int.self, "s")
            #expect(lifetime == 7 * 24 * 3600)
            #expect(try await client.request("GET", "/api/v1/me").status == 200)
            try await portal.owner.query("UPDATE sessions SET expires_at = now() - interval '1 second'")
            #expect(try await eventually { try await client.request("GET", "/api/v1/me").status == 401 })
        }
    }

    @Test func passwordChangeValidatesEveryFieldAndRevokesOtherSessions() async throws {
        try await withLivePortal(label: "password") { portal async throws in
            let tenant = try await portal.createTenant()
            let user = try await portal.createUser(tenant: tenant, role: "member")
            let laptop = try portal.client()
            let phone = try portal.client()
            try await laptop.signIn(user.username)
            try await phone.signIn(user.username)

            let invalid = try await laptop.request("PUT", "/api/v1/me/password",
                json: #"{"currentPassword":"wrong","newPassword":"\#(user.username)","confirmation":"other"}"#)
            #expect(invalid.status == 422)
            #expect(Set(try problem(invalid).errors?.map(\.field) ?? []) == ["currentPassword", "newPassword", "confirmation"])
            let short = try await laptop.request("PUT", "/api/v1/me/password",
                json: #"{"currentPassword":"correct-horse-battery","newPassword":"short","confirmation":"short"}"#)
            #expect(try problem(short).errors?.first?.message.contains("10 characters") == true)

            let changed = try await laptop.request("PUT", "/api/v1/me/password",
                json: #"{"currentPassword":"correct-horse-battery","newPassword":"a much better passphrase","confirmation":"a much better passphrase"}"#)
            #expect(changed.status == 200)
            laptop.csrfToken = try changed.json([String: String].self)["csrfToken"]
            #expect(try await laptop.request("GET", "/api/v1/me").status == 200, "this browser got a new session")
            #expect(try await phone.request("GET", "/api/v1/me").status == 401, "other sessions were revoked")
            #expect(try await (try portal.client()).signIn(user.username).status == 401, "the old password no longer works")
            #expect(try await (try portal.client()).signIn(user.username, "a much better passphrase").status == 200)

            let audit = try await portal.owner.query("""
                SELECT entity, action, after::text AS after FROM audit_log WHERE tenant_id = \(UUID(uuidString: tenant)!)
                """)
            #expect(audit.count == 1)
            #expect(try audit.first?.decode(String.self, "after").contains("[redacted]") == true)
        }
    }

    @Test func operatorsSignInWithoutATenant() async throws {
        try await withLivePortal(label: "operator") { portal async throws in
            let op = try await portal.createUser(tenant: nil, role: "operator")
            let client = try portal.client()
            let response = try await client.signIn(op.username)
            #expect(response.status == 200)
            #expect(response.bodyText.contains(#""tenantId":null"#) || !response.bodyText.contains("tenantId"))
            #expect(try await client.request("GET", "/api/v1/me").json(UserView.self).role == "operator")
        }
    }

    @Test func apiKeysAuthenticateWithoutCSRFButAreNotUsers() async throws {
        try await withLivePortal(label: "apikey") { portal async throws in
            let tenant = try #require(UUID(uuidString: try await portal.createTenant()))
            let secret = "ck_test_" + UUID().uuidString
            try await portal.owner.query("""
                INSERT INTO api_keys (tenant_id, name, prefix, secret_hash, role)
                VALUES (\(tenant), 'integration', 'ck_test', \(PostgresBytes(Secrets.sha256(secret))), 'admin')
                """)
            let client = try portal.client()
            client.bearer = secret
            let me = try await client.request("GET", "/api/v1/me")
            #expect(me.status == 403)
            client.bearer = secret + "x"
            #expect(try await client.request("GET", "/api/v1/me").status == 401)
        }
    }
}
