import Foundation
import Postgres
@testable import Portal
import Testing
import TestSupport

/// Portals behind a balancer each run a deployer; one leads. The others wait on one connection
/// of their own: a stream of configuration changes must not make them open a connection (a
/// server process) per change to try the lock, as they once did.
@Suite struct DeployerLeadershipTests {
    struct Created: Decodable { var id: String }

    @Test func aPortalThatDoesNotLeadOpensNoConnectionPerChange() async throws {
        try await withLivePortal(label: "deployer_follower", deployer: true) { portal async throws in
            let tenant = try await portal.createTenant()
            let (client, adminID) = try await portal.signedIn(tenant: tenant)
            let base = "/api/v1/tenants/\(tenant)/extensions"
            let id = try await client.request("POST", base, json: #"{"ownerId":"\#(adminID)","number":"1001","name":"Desk"}"#)
                .json(Created.self).id

            let second = try portal.startSecondPortal()
            do {
                // Both deployers are up (one leads, the other has tried) before counting.
                try await Task.sleep(for: .milliseconds(500))
                let before = try await sessions(portal.owner)
                // 30 changes, one at a time, over about three polls of the deployers.
                for round in 0..<30 {
                    let renamed = try await client.request("PATCH", "\(base)/\(id)", json: #"{"name":"Desk \#(round)"}"#)
                    #expect(renamed.status == 200, "\(renamed.bodyText)")
                    try await Task.sleep(for: .milliseconds(10))
                }
                try await Task.sleep(for: .milliseconds(300))
                let opened = try await sessions(portal.owner) - before
                // The requests reuse their pool's idle connection; the deployers keep theirs.
                #expect(opened <= 3, "\(opened) connections opened during 30 changes")
            } catch {
                await second.shutdown()
                throw error
            }
            await second.shutdown()
        }
    }

    /// A stream of changes is compiled a batch at a time, not once per change, and however the
    /// deployer rests between compiles (`Deployer.Settings.compileShare`, `longestRest`), the
    /// last change is never left behind.
    @Test func aStreamOfChangesCompilesInBatchesAndTheLastOneLands() async throws {
        try await withLivePortal(label: "deployer_stream", deployer: true) { portal async throws in
            let tenant = try await portal.createTenant()
            let tenantID = try #require(UUID(uuidString: tenant))
            let (client, adminID) = try await portal.signedIn(tenant: tenant)
            let base = "/api/v1/tenants/\(tenant)/extensions"
            let id = try await client.request("POST", base, json: #"{"ownerId":"\#(adminID)","number":"1001","name":"Desk"}"#)
                .json(Created.self).id
            try await Task.sleep(for: .milliseconds(300))
            let bundlesBefore = try await bundles(portal.owner, tenantID)
            for round in 0..<40 {
                #expect(try await client.request("PATCH", "\(base)/\(id)", json: #"{"name":"Desk \#(round)"}"#).status == 200)
            }
            let staged = try await eventually(timeout: .seconds(10)) {
                let row = try await portal.owner.query("""
                    SELECT t.staged_revision::int AS staged, r.config_revision::int AS current FROM tenants t
                    JOIN tenant_revisions r ON r.tenant_id = t.id WHERE t.id = \(tenantID)
                    """).first
                return try row?.decode(Int.self, "staged") == row?.decode(Int.self, "current")
            }
            let compiled = try await bundles(portal.owner, tenantID) - bundlesBefore
            #expect(staged, "the last change was compiled")
            #expect(compiled >= 1 && compiled < 20, "\(compiled) bundles for 40 changes")
        }
    }

    /// The rest after a compile, per unit of compile time: 4 for a fifth; none at or above a
    /// share of 1; bounded for a share of 0 or less (no division by zero, no overflowing
    /// duration).
    @Test func theRestKeepsCompilingToItsShare() {
        func near(_ a: Double, _ b: Double) -> Bool { abs(a - b) < 1e-9 }
        #expect(near(Deployer.restFactor(share: 0.2), 4) && near(Deployer.restFactor(share: 0.5), 1))
        #expect(Deployer.restFactor(share: 1) == 0 && Deployer.restFactor(share: 3) == 0 && Deployer.restFactor(share: .nan) == 0)
        for share: Double in [0, -1, 1e-300, -.infinity] { #expect(near(Deployer.restFactor(share: share), 99), "\(share)") }
        #expect(Duration.seconds(3600) * Deployer.restFactor(share: 0) > .seconds(356_000))
    }

    private func bundles(_ owner: PostgresPool, _ tenant: UUID) async throws -> Int {
        try await owner.query("SELECT count(*)::int AS n FROM deployment_bundles WHERE tenant_id = \(tenant)").first?.decode(Int.self, "n") ?? 0
    }

    /// Connections the test's database has had since its statistics began.
    private func sessions(_ owner: PostgresPool) async throws -> Int {
        try await owner.query("SELECT sessions::int AS n FROM pg_stat_database WHERE datname = current_database()")
            .first?.decode(Int.self, "n") ?? 0
    }
}
