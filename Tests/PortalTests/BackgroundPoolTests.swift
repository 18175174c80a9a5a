import Foundation
import Postgres
@testable import Portal
import Testing
import TestSupport

/// The deployer and the mailer work on a pool of their own, so they cannot starve requests.
@Suite struct BackgroundPoolTests {
    @Test func theDeployerWorksOnItsOwnPoolNotTheRequestsOne() async throws {
        try await withLivePortal(label: "background_pool", deployer: true) { portal async throws in
            _ = try await portal.createTenant()
            var seen = false
            for _ in 0..<100 where !seen {
                let stats = portal.app.backgroundPool.statistics
                seen = stats.inUse + stats.idle > 0
                if !seen { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(seen, "the deployer's passes opened background connections")
            // The pool had a connection open a moment ago; PostgreSQL lists it as long as it lives
            // (a pass may just have dropped a stale one and be opening the next).
            var names: [String] = []
            #expect(try await eventually {
                names = try await portal.owner.query("""
                    SELECT DISTINCT application_name AS a FROM pg_stat_activity WHERE datname = current_database()
                    """).map { try $0.decode(String.self, "a") }
                return names.contains("centralita-background")
            }, "\(names)")
            #expect(portal.app.backgroundPool.configuration.maxConnections == 3)
            #expect(portal.app.pool.configuration.applicationName == "centralita-portal")
        }
    }
}
