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
            #expect(statuses.filter { $0 == 429 }.count == 55)
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
