import Foundation
@testable import Portal
import Postgres
import Testing
import TestSupport

/// `TenantDatabase.read` (issue 15): scope and query in one round trip, in one implicit
/// transaction that PostgreSQL keeps read-only and that leaves nothing behind on the connection.
@Suite struct TenantReadTests {
    @Test func aReadSeesItsScopeRefusesWritesAndLeavesNothingBehind() async throws {
        let pool = PostgresPool(.init(connectionString: try await PostgresCluster.freshDatabase("tenant_read"), maxConnections: 1))
        defer { pool.shutdown() }
        try await pool.query("CREATE TABLE t (v int)")
        let database = TenantDatabase(pool: pool)
        let tenant = UUID()
        let seen = try await database.read(.tenant(tenant, user: nil)) { connection in
            try await connection.query("SELECT current_setting('app.tenant_id') AS t, current_setting('transaction_read_only') AS r").first
                .map { (try $0.decode(String.self, "t"), try $0.decode(String.self, "r")) }
        }
        #expect(seen?.0 == tenant.uuidString.lowercased() && seen?.1 == "on")

        let refused = try await #require(throws: PostgresError.self) {
            try await database.read(.tenant(tenant, user: nil)) { connection in
                try await connection.query("INSERT INTO t VALUES (1)")
            }
        }
        #expect(refused.sqlState == "25006", "\(refused)")

        // Two statements in one read share the transaction; afterwards the one connection is
        // clean: no scope, writable, nothing inserted.
        let both = try await database.read(.tenant(tenant, user: nil)) { connection in
            _ = try await connection.query("SELECT 1 AS one")
            return try await connection.query("SELECT current_setting('app.tenant_id') AS t").first?.decode(String.self, "t")
        }
        #expect(both == tenant.uuidString.lowercased())
        let after = try await pool.query("SELECT coalesce(current_setting('app.tenant_id', true), '') AS t, current_setting('transaction_read_only') AS r").first
        #expect(try after?.decode(String.self, "t") == "" && after?.decode(String.self, "r") == "off")
        try await database.transaction(.tenant(tenant, user: nil)) { try await $0.query("INSERT INTO t VALUES (2)") }
        #expect(try await pool.query("SELECT count(*)::int AS n FROM t").first?.decode(Int.self, "n") == 1)
    }

    @Test func aFailedStatementFailsTheRestOfTheReadAndTheNextReadStartsClean() async throws {
        let pool = PostgresPool(.init(connectionString: try await PostgresCluster.freshDatabase("tenant_read_fail"), maxConnections: 1))
        defer { pool.shutdown() }
        let database = TenantDatabase(pool: pool)
        let tenant = UUID()
        let later = try await #require(throws: PostgresError.self) {
            try await database.read(.tenant(tenant, user: nil)) { connection in
                _ = try? await connection.query("SELECT 1 / 0 AS boom")
                return try await connection.query("SELECT 1 AS one")
            }
        }
        #expect(later.sqlState == "25P02", "a statement after an error in the same read: \(later)")
        let next = try await database.read(.tenant(tenant, user: nil)) { try await $0.query("SELECT 2 AS two").first?.decode(Int.self, "two") }
        #expect(next == 2)
    }
}
