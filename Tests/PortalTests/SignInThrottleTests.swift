import Foundation
import HTTPServer
@testable import Portal
import Postgres
import Testing
import TestSupport

/// The sign-in throttle under bursts and from several addresses, and the scrypt gate.
@Suite struct SignInThrottleTests {
    /// A throttle that only the pair limit can trip, and a gate that never refuses.
    static var pairLimited: AuthConfiguration {
        var auth = AuthConfiguration()
        auth.maxFailuresPerUsername = 5
        auth.maxFailuresPerAddress = 1_000
        auth.maxConcurrentPasswordHashes = 2
        auth.maxQueuedPasswordHashes = 1_000
        return auth
    }

    func burst(_ portal: LivePortal, _ attempts: [(String, String)]) async throws -> [Int] {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for (username, password) in attempts {
                group.addTask { try await (try portal.client()).signIn(username, password).status }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    @Test func sixtyConcurrentWrongPasswordsAreCheckedAtMostFiveTimes() async throws {
        try await withLivePortal(auth: Self.pairLimited, label: "burst_wrong") { portal async throws in
            let user = try await portal.createUser(tenant: try await portal.createTenant(), role: "member")
            let statuses = try await burst(portal, Array(repeating: (user.username, "wrong-wrong-wrong"), count: 60))
            #expect(statuses.filter { $0 == 401 }.count == 5, "\(statuses)")
            #expect(statuses.filter { $0 == 429 }.count == 55, "\(statuses)")
        }
    }

    /// An account has one count however its tenant is named: the field with the alias, the
    /// field with the ID, or `username@alias` — five wrong passwords in all, not five each.
    @Test func everyWayOfNamingTheTenantSharesOneCount() async throws {
        try await withLivePortal(auth: Self.pairLimited, label: "naming") { portal async throws in
            let alias = "t\(UUID().uuidString.prefix(8).lowercased())"
            let tenant = try await portal.createTenant(alias: alias)
            let user = try await portal.createUser(tenant: tenant, role: "member")
            var statuses: [Int] = []
            for attempt in 0..<6 {
                let client = try portal.client()
                let status: Int = switch attempt % 3 {
                case 0: try await client.signIn(user.username, "wrong-wrong-wrong", tenant: alias).status
                case 1: try await client.signIn(user.username, "wrong-wrong-wrong", tenant: tenant).status
                default: try await client.signIn("\(user.username)@\(alias)", "wrong-wrong-wrong").status
                }
                statuses.append(status)
            }
            #expect(statuses == [401, 401, 401, 401, 401, 429], "\(statuses)")
        }
    }

    @Test func aBurstOfNineteenWrongAndOneRightDoesNotSignInPastTheLimit() async throws {
        try await withLivePortal(auth: Self.pairLimited, label: "burst_mixed") { portal async throws in
            let user = try await portal.createUser(tenant: try await portal.createTenant(), role: "member")
            var attempts = Array(repeating: (user.username, "wrong-wrong-wrong"), count: 19)
            attempts.insert((user.username, "correct-horse-battery"), at: 10)
            let statuses = try await burst(portal, attempts)
            #expect(statuses.filter { $0 == 401 || $0 == 200 }.count <= 5, "only five attempts are checked: \(statuses)")
            #expect(statuses.filter { $0 == 429 }.count >= 15)
            let retry = try await (try portal.client()).signIn(user.username)
            #expect(retry.status == 429 || statuses.contains(200), "the right password after the burst is still over the limit")
        }
    }

    @Test func aStrangerLocksOnlyTheirOwnAddressOutAndTheOwnerIsOnlySlowed() async throws {
        try await withLivePortal(auth: Self.pairLimited, label: "lock_pairs") { portal async throws in
            let auth = AuthRepository(pool: portal.app.pool)
            var config = Self.pairLimited
            config.slowdownAfterFailuresElsewhere = 3
            for _ in 0..<5 { #expect(try await auth.claimAttempt(username: "owner", address: "203.0.113.9", configuration: config).allowed) }
            let stranger = try await auth.claimAttempt(username: "owner", address: "203.0.113.9", configuration: config)
            #expect(!stranger.allowed && stranger.retryAfter > 0, "the stranger's address is locked out")
            for i in 0..<20 { _ = try await auth.claimAttempt(username: "owner", address: "198.51.100.\(i)", configuration: config) }
            let owner = try await auth.claimAttempt(username: "owner", address: "192.0.2.1", configuration: config)
            #expect(owner.allowed, "failures from elsewhere never lock the owner out of their own address")
            #expect(owner.slowdown > .zero && owner.slowdown <= .seconds(5), "but they slow each attempt down")
            try await auth.clearFailures(username: "owner", address: "192.0.2.1")
            #expect(try await auth.claimAttempt(username: "owner", address: "203.0.113.9", configuration: config).allowed == false,
                    "the owner's success does not lift the stranger's lockout")
        }
    }

    @Test func operatorsAreNotLockedOutByFailuresFromAnotherAddress() async throws {
        try await withLivePortal(auth: Self.pairLimited, label: "operator_lock") { portal async throws in
            let op = try await portal.createUser(tenant: nil, role: "operator")
            let auth = AuthRepository(pool: portal.app.pool)
            for _ in 0..<10 { _ = try await auth.claimAttempt(username: op.username, address: "203.0.113.77", configuration: Self.pairLimited) }
            #expect(try await (try portal.client()).signIn(op.username).status == 200)
        }
    }

    @Test func theScryptGateRefusesWith429WhenSaturated() async throws {
        let hasher = PasswordHasher(maxConcurrent: 1, maxQueued: 1)
        let stored = Secrets.decoyHash
        let refusals = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    do {
                        _ = try await hasher.verify("guess", against: stored)
                        return 0
                    } catch let error as HTTPError {
                        #expect(error.status == .tooManyRequests)
                        #expect(error.headers["Retry-After"] == "1")
                        return 1
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(refusals >= 1, "eight at once with room for two")
        #expect(try await hasher.verify("guess", against: stored) == false, "the gate is free again afterwards")
    }
}

/// Which address the throttle counts, behind a trusted reverse proxy or not.
@Suite struct ClientAddressTests {
    @Test func forwardedForIsIgnoredUnlessThePeerIsATrustedProxy() {
        var auth = AuthConfiguration()
        #expect(auth.clientAddress(peer: "203.0.113.5", forwardedFor: "1.2.3.4") == "203.0.113.5", "a client cannot pick its own address")
        auth.trustedProxies = ["10.0.0.2", "10.0.0.3"]
        #expect(auth.clientAddress(peer: "203.0.113.5", forwardedFor: "1.2.3.4") == "203.0.113.5")
        #expect(auth.clientAddress(peer: "10.0.0.2", forwardedFor: "1.2.3.4") == "1.2.3.4")
        #expect(auth.clientAddress(peer: "10.0.0.2", forwardedFor: "6.6.6.6, 198.51.100.7, 10.0.0.3") == "198.51.100.7",
                "the nearest hop the proxies did not add; what the client wrote to the left is not believed")
        #expect(auth.clientAddress(peer: "10.0.0.2", forwardedFor: nil) == "10.0.0.2")
        #expect(auth.clientAddress(peer: "10.0.0.2", forwardedFor: "1.2.3.4, evil\u{0}text") == "1.2.3.4", "junk is not an address")
    }

    @Test func behindATrustedProxyEachClientHasItsOwnLimit() async throws {
        var auth = SignInThrottleTests.pairLimited
        auth.maxFailuresPerAddress = 3
        auth.trustedProxies = ["127.0.0.1"]
        try await withLivePortal(auth: auth, label: "proxy_clients") { portal async throws in
            let user = try await portal.createUser(tenant: try await portal.createTenant(), role: "member")
            for i in 0..<3 {
                _ = try await (try portal.client()).request("POST", "/api/v1/session", json: #"{"username":"x\#(i)","password":"wrong-wrong"}"#,
                                                             headers: ["X-Forwarded-For": "198.51.100.1"])
            }
            let attacker = try await (try portal.client()).request("POST", "/api/v1/session", json: #"{"username":"\#(user.username)","password":"correct-horse-battery"}"#,
                                                                    headers: ["X-Forwarded-For": "198.51.100.1"])
            #expect(attacker.status == 429)
            let owner = try await (try portal.client()).request("POST", "/api/v1/session", json: #"{"username":"\#(user.username)","password":"correct-horse-battery"}"#,
                                                                 headers: ["X-Forwarded-For": "192.0.2.44"])
            #expect(owner.status == 200, "another client behind the same proxy is not locked out")
        }
    }
}
