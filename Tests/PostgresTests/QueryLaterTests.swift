import EventLoops
import Postgres
import Testing
import TestSupport

/// `queryLater`: a write transaction's statement sent without waiting, answered with the next
/// statement or the COMMIT — on a loop and off it, with its errors never lost.
@Suite struct QueryLaterTests {
    private func pool(_ name: String) async throws -> PostgresPool {
        let pool = PostgresPool(.init(connectionString: try await PostgresCluster.freshDatabase(name), maxConnections: 1))
        try await pool.query("CREATE TABLE items (name text PRIMARY KEY)")
        return pool
    }

    private func names(_ pool: PostgresPool) async throws -> [String] {
        try await pool.query("SELECT name FROM items ORDER BY name").map { try $0.decode(String.self, "name") }
    }

    @Test(arguments: [false, true]) func aLaterStatementCommitsWithItsTransaction(onLoop: Bool) async throws {
        let pool = try await pool("later_commit")
        defer { pool.shutdown() }
        let loop = try EventLoop()
        let seen = try await Task(executorPreference: onLoop ? loop : nil) { () -> Int in
            try await pool.transaction { c in
                try await c.query("INSERT INTO items VALUES (\("a"))")
                try await c.queryLater("INSERT INTO items VALUES (\("b"))")
                try await c.queryLater("INSERT INTO items VALUES (\("c"))")
                // The next statement sees what was sent before it.
                let count = try await c.query("SELECT count(*)::int AS n FROM items").first?.decode(Int.self, "n") ?? 0
                try await c.queryLater("INSERT INTO items VALUES (\("d"))")
                return count
            }
        }.value
        #expect(seen == 3)
        #expect(try await names(pool) == ["a", "b", "c", "d"])
    }

    @Test(arguments: [false, true]) func aFailedLaterStatementFailsTheCommitAndNothingIsKept(onLoop: Bool) async throws {
        let pool = try await pool("later_fail")
        defer { pool.shutdown() }
        try await pool.query("INSERT INTO items VALUES (\("taken"))")
        let loop = try EventLoop()
        let state = await Task(executorPreference: onLoop ? loop : nil) { () -> String? in
            do {
                try await pool.transaction { c in
                    try await c.query("INSERT INTO items VALUES (\("fresh"))")
                    try await c.queryLater("INSERT INTO items VALUES (\("taken"))")
                }
                return nil
            } catch let error as PostgresError { return error.sqlState } catch { return "other" }
        }.value
        #expect(state == "23505")
        #expect(try await names(pool) == ["taken"])
        // The failed block was rolled back: the one connection serves the next caller.
        try await pool.transaction { c in try await c.queryLater("INSERT INTO items VALUES (\("after"))") }
        #expect(try await names(pool) == ["after", "taken"])
    }

    @Test func aFailedLaterStatementIsThrownByTheNextStatement() async throws {
        let pool = try await pool("later_next")
        defer { pool.shutdown() }
        try await pool.query("INSERT INTO items VALUES (\("taken"))")
        let error = await #expect(throws: PostgresError.self) {
            try await pool.transaction { c in
                try await c.queryLater("INSERT INTO items VALUES (\("taken"))")
                _ = try await c.query("SELECT 1 AS one")
            }
        }
        #expect(error?.sqlState == "23505")
        #expect(try await names(pool) == ["taken"])
    }

    @Test func aRolledBackTransactionDropsItsLaterStatements() async throws {
        let pool = try await pool("later_rollback")
        defer { pool.shutdown() }
        struct Abort: Error {}
        await #expect(throws: Abort.self) {
            try await pool.transaction { c in
                try await c.queryLater("INSERT INTO items VALUES (\("dropped"))")
                throw Abort()
            }
        }
        #expect(try await names(pool).isEmpty)
        // Outside a write transaction it is an ordinary statement.
        try await pool.withConnection { try await $0.queryLater("INSERT INTO items VALUES (\("plain"))") }
        _ = try await pool.transaction(readOnly: true) { c in try await c.queryLater("SELECT 1") }
        #expect(try await names(pool) == ["plain"])
    }
}
