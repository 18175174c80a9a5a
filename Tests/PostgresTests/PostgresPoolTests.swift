import Foundation
import Postgres
import Testing
import TestSupport

@Suite struct PostgresPoolTests {
    @Test func transactionsCommitOrRollBack() async throws {
        let pool = PostgresPool(.init(connectionString: try await PostgresCluster.freshDatabase("tx"), maxConnections: 2))
        defer { pool.shutdown() }
        try await pool.query("CREATE TABLE items (name text PRIMARY KEY)")
        try await pool.transaction { try await $0.query("INSERT INTO items VALUES (\("kept"))") }
        struct Abort: Error {}
        await #expect(throws: Abort.self) {
            try await pool.transaction { connection in
                try await connection.query("INSERT INTO items VALUES (\("dropped"))")
                throw Abort()
            }
        }
        let names = try await pool.query("SELECT name FROM items ORDER BY name").map { try $0.decode(String.self, "name") }
        #expect(names == ["kept"])
    }

    @Test func setLocalLastsOnlyForItsTransaction() async throws {
        let pool = PostgresPool(.init(connectionString: try await PostgresCluster.freshDatabase("setlocal"), maxConnections: 1))
        defer { pool.shutdown() }
        let inside = try await pool.transaction { connection in
            try await connection.setLocal("app.tenant_id", "tenant-a'; --")
            return try await connection.query("SELECT current_setting('app.tenant_id', true) AS v").first?.decode(String?.self, "v")
        }
        #expect(inside == "tenant-a'; --")
        let after = try await pool.query("SELECT current_setting('app.tenant_id', true) AS v").first?.decode(String?.self, "v")
        #expect(after == nil || after == "")
    }

    @Test func uniqueViolationKeepsSQLStateAndConstraint() async throws {
        let pool = PostgresPool(.init(connectionString: try await PostgresCluster.freshDatabase("unique"), maxConnections: 1))
        defer { pool.shutdown() }
        try await pool.query("CREATE TABLE numbers (number text CONSTRAINT numbers_number_key UNIQUE)")
        try await pool.query("INSERT INTO numbers VALUES (\("+34910000000"))")
        let error = try await #require(throws: PostgresError.self) {
            try await pool.query("INSERT INTO numbers VALUES (\("+34910000000"))")
        }
        #expect(error.kind == .server)
        #expect(error.sqlState == "23505")
        #expect(error.isUniqueViolation)
        #expect(error.constraint == "numbers_number_key")
        #expect(error.debugDescription.contains("+34910000000"))
        // The connection is still good after a statement error.
        #expect(try await pool.query("SELECT 1 AS one").first?.decode(Int.self, "one") == 1)
    }

    @Test func preparedStatementsAreReusedPerConnection() async throws {
        let pool = PostgresPool(.init(connectionString: try await PostgresCluster.freshDatabase("prepared"), maxConnections: 1))
        defer { pool.shutdown() }
        let counts = try await pool.withConnection { connection -> [Int] in
            for i in 0..<5 { try await connection.query("SELECT \(i)::int + 1 AS n") }
            let rows = try await connection.query("SELECT count(*)::int AS c FROM pg_prepared_statements WHERE statement LIKE \("SELECT $1::int + 1%")")
            return try rows.map { try $0.decode(Int.self, "c") }
        }
        #expect(counts == [1])
    }

    /// One timer serves every waiter: waiters that got a connection in time are not failed,
    /// and a second wave that starts after the first expired still times out on its own.
    @Test func waitersExpireInWavesAndServedOnesAreLeftAlone() async throws {
        var configuration = PostgresPool.Configuration(connectionString: try await PostgresCluster.freshDatabase("waves"), maxConnections: 1)
        // Long beside the 10 ms holds below, even on a machine busy with other suites.
        configuration.acquireTimeout = .seconds(2)
        let pool = PostgresPool(configuration)
        defer { pool.shutdown() }
        // The connection is opened first: connecting on a machine busy with other suites can
        // take longer than the waiters' timeout, which is not what this test is about.
        _ = try await pool.query("SELECT 1 AS one")
        // Short holds: the waiters behind them are served in time.
        let served = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<5 {
                group.addTask { try await pool.withConnection { _ in try await Task.sleep(for: .milliseconds(10)); return 1 } }
            }
            return try await group.reduce(0, +)
        }
        #expect(served == 5)
        for wave in 0..<2 {
            let release = AsyncStream<Void>.makeStream()
            let holding = Task { try await pool.withConnection { _ in for await _ in release.stream {} } }
            for _ in 0..<500 where pool.statistics.inUse < 1 { try await Task.sleep(for: .milliseconds(10)) }
            let kinds = await withTaskGroup(of: PostgresError.Kind?.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        do { _ = try await pool.query("SELECT 1"); return nil } catch let error as PostgresError { return error.kind } catch { return nil }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(kinds.count == 20 && kinds.allSatisfy { $0 == .poolTimeout }, "wave \(wave): \(kinds)")
            #expect(pool.statistics.waiting == 0)
            release.continuation.finish()
            try await holding.value
        }
        #expect(try await pool.query("SELECT 1 AS one").first?.decode(Int.self, "one") == 1)
    }

    @Test func anExhaustedPoolTimesOutWithAClearErrorAndRecovers() async throws {
        var configuration = PostgresPool.Configuration(connectionString: try await PostgresCluster.freshDatabase("exhaust"), maxConnections: 2)
        configuration.acquireTimeout = .milliseconds(200)
        let pool = PostgresPool(configuration)
        defer { pool.shutdown() }
        let release = AsyncStream<Void>.makeStream()
        let holding = Task {
            try await pool.withConnection { _ in
                try await pool.withConnection { _ in for await _ in release.stream {} }
            }
        }
        // Wait (without a fixed sleep) until both connections are held.
        for _ in 0..<500 where pool.statistics.inUse < 2 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(pool.statistics.inUse == 2)
        let error = try await #require(throws: PostgresError.self) { try await pool.query("SELECT 1") }
        #expect(error.kind == .poolTimeout)
        #expect(error.message.contains("no database connection became free"))
        release.continuation.finish()
        try await holding.value
        #expect(try await pool.query("SELECT 1 AS one").first?.decode(Int.self, "one") == 1)
        #expect(pool.statistics.waiting == 0)
    }

    @Test func waitersAreServedWhenAConnectionIsReleased() async throws {
        var configuration = PostgresPool.Configuration(connectionString: try await PostgresCluster.freshDatabase("waiters"), maxConnections: 1)
        configuration.acquireTimeout = .seconds(10)
        let pool = PostgresPool(configuration)
        defer { pool.shutdown() }
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<8 {
                group.addTask { try await pool.query("SELECT \(i)::int AS n, pg_sleep(0.01)").first?.decode(Int.self, "n") ?? -1 }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.sorted() == Array(0..<8))
    }

    @Test func aTransactionLeftOpenIsRolledBackOnRelease() async throws {
        let pool = PostgresPool(.init(connectionString: try await PostgresCluster.freshDatabase("leftopen"), maxConnections: 1))
        defer { pool.shutdown() }
        try await pool.query("CREATE TABLE t (v int)")
        try await pool.withConnection { connection in
            try await connection.simpleQuery("BEGIN")
            try await connection.query("INSERT INTO t VALUES (1)")
        }
        #expect(try await pool.query("SELECT count(*)::int AS c FROM t").first?.decode(Int.self, "c") == 0)
    }

    @Test func unreachableServerIsAConnectionError() async throws {
        let pool = PostgresPool(.init(connectionString: "postgresql://nobody@/none?host=/nonexistent-dir&port=1", maxConnections: 1))
        defer { pool.shutdown() }
        let error = try await #require(throws: PostgresError.self) { try await pool.query("SELECT 1") }
        #expect(error.kind == .connection)
        #expect(error.message.contains("cannot connect"))
        #expect(pool.statistics.inUse == 0)
    }

    @Test func poolRecoversByItselfAfterTheServerRestarts() async throws {
        let cluster = try await PostgresCluster.start()
        let pool = PostgresPool(.init(connectionString: try await cluster.createDatabase("restart"), maxConnections: 3))
        defer { pool.shutdown() }
        // Open several connections so that all of them go stale across the restart.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<3 { group.addTask { try await pool.query("SELECT pg_sleep(0.05)") } }
            try await group.waitForAll()
        }
        #expect(pool.statistics.idle == 3)
        try await cluster.restartServer()
        for _ in 0..<5 {
            #expect(try await pool.query("SELECT 42 AS answer").first?.decode(Int.self, "answer") == 42)
        }
        await cluster.destroy()
    }
}
