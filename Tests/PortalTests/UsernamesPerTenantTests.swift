import Foundation
import HTTPServer
@testable import Portal
import Testing
import TestSupport

/// Usernames are unique per tenant (issue 14): creating a user never tells one tenant which
/// usernames another has, and sign-in names the tenant — its alias or ID, as a field or written
/// `username@tenant` — unless the username alone names exactly one account.
@Suite struct UsernamesPerTenantTests {
    struct Session: Decodable { var tenantId: String? }

    func body(_ username: String) -> String {
        #"{"firstName":"Ana","username":"\#(username)","role":"member","password":"correct-horse-battery","passwordConfirmation":"correct-horse-battery"}"#
    }

    /// Two tenants, `acme` and `beta`, with an admin client each.
    func twoTenants(_ portal: LivePortal) async throws -> (acme: String, beta: String, acmeAdmin: APIClient, betaAdmin: APIClient) {
        let acme = try await portal.createTenant("Acme", alias: "acme"), beta = try await portal.createTenant("Beta", alias: "beta")
        let acmeAdmin = try portal.client(), betaAdmin = try portal.client()
        try #require(try await acmeAdmin.signIn(try await portal.createUser(tenant: acme, role: "admin").username).status == 200)
        try #require(try await betaAdmin.signIn(try await portal.createUser(tenant: beta, role: "admin").username).status == 200)
        return (acme, beta, acmeAdmin, betaAdmin)
    }

    @Test func theSameUsernameInTwoTenantsIsCreatedInBothAndEachSignsInToItsOwn() async throws {
        try await withLivePortal(label: "usernames_two") { portal async throws in
            let (acme, beta, acmeAdmin, betaAdmin) = try await twoTenants(portal)
            #expect(try await acmeAdmin.request("POST", "/api/v1/tenants/\(acme)/users", json: body("ana")).status == 201)
            let second = try await betaAdmin.request("POST", "/api/v1/tenants/\(beta)/users", json: body("ana"))
            #expect(second.status == 201, "tenant B learns nothing of tenant A's usernames: \(second.bodyText)")

            for (tenant, id) in [("acme", acme), ("beta", beta), ("BETA", beta), (acme, acme)] {
                let response = try await (try portal.client()).signIn("ana", tenant: tenant)
                #expect(response.status == 200, "\(tenant): \(response.bodyText)")
                #expect(try response.json(Session.self).tenantId == id)
            }
            let written = try await (try portal.client()).signIn("ana@beta")
            #expect(written.status == 200)
            #expect(try written.json(Session.self).tenantId == beta)
            // Alone, "ana" names two accounts: no one is signed in, and the answer is the plain one.
            let ambiguous = try await (try portal.client()).signIn("ana")
            #expect(ambiguous.status == 401)
            #expect(try ambiguous.json(ProblemDetails.self).type == "https://centralita.dev/problems/invalid-credentials")
        }
    }

    @Test func aDuplicateWithinOneTenantIsStill409NamingTheUsername() async throws {
        try await withLivePortal(label: "usernames_dup") { portal async throws in
            let (acme, _, acmeAdmin, _) = try await twoTenants(portal)
            #expect(try await acmeAdmin.request("POST", "/api/v1/tenants/\(acme)/users", json: body("bea")).status == 201)
            let duplicate = try await acmeAdmin.request("POST", "/api/v1/tenants/\(acme)/users", json: body("BEA"))
            #expect(duplicate.status == 409)
            #expect(try duplicate.json(ProblemDetails.self).errors?.map(\.field) == ["username"])
        }
    }

    @Test func aWrongTenantIsAPlain401LikeAWrongPassword() async throws {
        try await withLivePortal(label: "usernames_wrong") { portal async throws in
            let (acme, _, _, _) = try await twoTenants(portal)
            let carla = try await portal.createUser(tenant: acme, role: "member", username: "carla")
            let answers = [
                try await (try portal.client()).signIn(carla.username, tenant: "beta"),
                try await (try portal.client()).signIn(carla.username, tenant: "no-such-tenant"),
                try await (try portal.client()).signIn("carla@beta"),
                try await (try portal.client()).signIn(carla.username, "not-the-password", tenant: "acme"),
            ]
            #expect(answers.map(\.status) == [401, 401, 401, 401])
            let problems = try answers.map { try $0.json(ProblemDetails.self) }
            #expect(Set(problems.map(\.detail)).count == 1, "no hint which part is wrong")
            #expect(Set(problems.map(\.type)).count == 1)
            #expect(answers.allSatisfy { $0.headers["Set-Cookie"] == nil })
        }
    }

    @Test func aUsernameThatNamesOneAccountSignsInAloneAndOperatorsStaySeparate() async throws {
        try await withLivePortal(label: "usernames_plain") { portal async throws in
            let (acme, _, _, _) = try await twoTenants(portal)
            _ = try await portal.createUser(tenant: acme, role: "member", username: "dora")
            let alone = try await (try portal.client()).signIn("dora")
            #expect(alone.status == 200)
            #expect(try alone.json(Session.self).tenantId == acme)
            // An operator and a tenant user may share a name: alone it is the operator's.
            _ = try await portal.createUser(tenant: nil, role: "operator", username: "root")
            _ = try await portal.createUser(tenant: acme, role: "admin", username: "root")
            let op = try await (try portal.client()).signIn("root")
            #expect(op.status == 200)
            #expect(try op.json(Session.self).tenantId == nil)
            let tenantRoot = try await (try portal.client()).signIn("root", tenant: "acme")
            #expect(try tenantRoot.json(Session.self).tenantId == acme)
            await #expect(throws: HTTPError.self) {
                try await portal.createUser(tenant: nil, role: "operator", username: "ROOT")
            }
        }
    }

    @Test func theThrottleCountsEachTenantsUsernameApart() async throws {
        try await withLivePortal(label: "usernames_throttle") { portal async throws in
            let (acme, beta, _, _) = try await twoTenants(portal)
            _ = try await portal.createUser(tenant: acme, role: "member", username: "eva")
            _ = try await portal.createUser(tenant: beta, role: "member", username: "eva")
            let limit = AuthConfiguration().maxFailuresPerUsername
            for attempt in 0..<limit {
                // Both ways of naming the tenant count as one username.
                let wrong = attempt.isMultiple(of: 2) ? try await (try portal.client()).signIn("eva", "wrong-password", tenant: "acme")
                                                      : try await (try portal.client()).signIn("eva@acme", "wrong-password")
                #expect(wrong.status == 401)
            }
            #expect(try await (try portal.client()).signIn("eva", tenant: "acme").status == 429)
            #expect(try await (try portal.client()).signIn("eva@acme").status == 429)
            #expect(try await (try portal.client()).signIn("eva", tenant: "beta").status == 200, "beta's eva is not locked out")
        }
    }
}
