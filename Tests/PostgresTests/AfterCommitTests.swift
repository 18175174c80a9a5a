import EventLoops
import Postgres
import Testing
import TestSupport

/// A transaction's `afterCommit` statement (the portal's notifications, migration 0020): sent
/// with COMMIT, run in a transaction of its own only when the commit happened, read before the
/// transaction returns, and never the transaction's failure.
@Suite struct AfterCommitTests {
    private func pool(_ name: String) async throws -> PostgresPool {
        let pool = PostgresPool(.init(connectionString: try await PostgresCluster.freshDatabase(name), maxConnections: 1))
        try await pool.query("CREATE TABLE items (name text PRIMARY KEY)")
        try await pool.query("CREATE TABLE after (seen int NOT NULL)")
        return pool
    }

    private func count(_ table: String, _ pool: PostgresPool) async throws -> Int {
        try await pool.query("SELECT count(*)::int AS n FROM \(unsafeRaw: table)").first?.decode(Int.self, "n") ?? -1
    }

    @Test(arguments: [false, true]) func itRunsAfterACommitOnlyAndSeesWhatWasCommitted(onLoop: Bool) async throws {
        let pool = try await pool("after_commit")
        defer { pool.shutdown() }
        let loop = try EventLoop()
        let record = "INSERT INTO after SELECT count(*) FROM items"
        try await Task(executorPreference: onLoop ? loop : nil) {
            try await pool.transaction(afterCommit: record) { c in
                try await c.query("INSERT INTO items VALUES (\("a"))")
                try await c.query("INSERT INTO items VALUES (\("b"))")
            }
            await #expect(throws: PostgresError.self) {
                try await pool.transaction(afterCommit: record) { c in
                    try await c.query("INSERT INTO items VALUES (\("c"))")
                    try await c.query("INSERT INTO items VALUES (\("a"))")
                }
            }
        }.value
        // Read before the transaction returned: visible at once, from any connection.
        #expect(try await pool.query("SELECT seen FROM after").map { try $0.decode(Int.self, "seen") } == [2])
        #expect(try await count("items", pool) == 2)
    }

    @Test(arguments: [false, true]) func itsFailureLeavesTheCommitAndTheConnectionWhole(onLoop: Bool) async throws {
        let pool = try await pool("after_fail")
        defer { pool.shutdown() }
        let loop = try EventLoop()
        try await Task(executorPreference: onLoop ? loop : nil) {
            try await pool.transaction(afterCommit: "SELECT 1 / 0") { c in
                try await c.query("INSERT INTO items VALUES (\("kept"))")
            }
            // The one connection goes on serving transactions and statements.
            try await pool.transaction { c in try await c.query("INSERT INTO items VALUES (\("next"))") }
        }.value
        #expect(try await count("items", pool) == 2)
        #expect(pool.statistics.idle + pool.statistics.inUse == 1)
    }
}
