import EventLoops
import Foundation
import Postgres
import Testing
import TestSupport

/// Statements awaited on an event loop are sent from the loop and read when its epoll sees the
/// answer: the task never leaves the loop, other work on the loop runs while PostgreSQL
/// thinks, and transactions, errors and cancellation behave as on the blocking path.
@Suite struct PostgresOnEventLoopTests {
    /// Runs `body` as a task pinned to `loop`, as the HTTP server runs handlers.
    private func onLoop<T: Sendable>(_ loop: EventLoop, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await Task(executorPreference: loop) { try await body() }.value
    }

    @Test func transactionsOnALoopStayOnItAndCommit() async throws {
        let pool = PostgresPool(.init(connectionString: try await PostgresCluster.freshDatabase("loop_tx"), maxConnections: 2))
        defer { pool.shutdown() }
        try await pool.query("CREATE TABLE items (name text PRIMARY KEY)")
        let loop = try EventLoop()
        let stayed = try await onLoop(loop) { () -> [Bool] in
            var stayed: [Bool] = [loop.isCurrent]
            for i in 0..<20 {
                try await pool.transaction { connection in
                    try await connection.setLocal("app.note", "n\(i)")
                    stayed.append(loop.isCurrent)
                    try await connection.query("INSERT INTO items VALUES (\("item-\(i)"))")
                    stayed.append(loop.isCurrent)
                }
                let count = try await pool.transaction(readOnly: true) { connection in
                    try await connection.query("SELECT count(*)::int AS n FROM items").first?.decode(Int.self, "n")
                }
                stayed.append(loop.isCurrent && count == i + 1)
            }
            return stayed
        }
        #expect(stayed.allSatisfy { $0 })
        #expect(!loop.isCurrent)
        let names = try await pool.query("SELECT count(*)::int AS n FROM items").first?.decode(Int.self, "n")
        #expect(names == 20)
        // Each transaction's statements and its COMMIT were awaited on the loop.
        #expect(pool.statistics.waitsOnLoop >= 20 * 3 + 20)
    }

    @Test func theLoopRunsOtherWorkWhilePostgreSQLThinks() async throws {
        let pool = PostgresPool(.init(connectionString: try await PostgresCluster.freshDatabase("loop_busy"), maxConnections: 1))
        defer { pool.shutdown() }
        let loop = try EventLoop()
        let ticks = Counter()
        let sleeping = try await onLoop(loop) { () -> Int in
            // While the statement sleeps, jobs queued on the loop keep running.
            for delay in 1...5 {
                DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(delay * 40)) {
                    loop.execute { if loop.isCurrent { ticks.increment() } }
                }
            }
            return try await pool.query("SELECT pg_sleep(0.4), 7 AS n").first?.decode(Int.self, "n") ?? 0
        }
        #expect(sleeping == 7)
        #expect(ticks.value == 5)
        #expect(pool.statistics.waitsOnLoop == 1)
    }

    @Test func errorsAndAbortedReadsBehaveAsOffTheLoop() async throws {
        let pool = PostgresPool(.init(connectionString: try await PostgresCluster.freshDatabase("loop_err"), maxConnections: 1))
        defer { pool.shutdown() }
        try await pool.query("CREATE TABLE numbers (n int PRIMARY KEY)")
        let loop = try EventLoop()
        let states = try await onLoop(loop) { () -> [String?] in
            var states: [String?] = []
            do {
                try await pool.transaction { c in
                    try await c.query("INSERT INTO numbers VALUES (\(1))")
                    try await c.query("INSERT INTO numbers VALUES (\(1))")
                }
            } catch let error as PostgresError { states.append(error.sqlState) }
            do {
                _ = try await pool.transaction(readOnly: true) { c in
                    _ = try await c.query("SELECT 1/0 AS x")
                }
            } catch let error as PostgresError { states.append(error.sqlState) }
            do {
                _ = try await pool.transaction(readOnly: true) { c in
                    try await c.query("INSERT INTO numbers VALUES (\(2))")
                }
            } catch let error as PostgresError { states.append(error.sqlState) }
            // The connection is still good for the next caller.
            let rows = try await pool.transaction(readOnly: true) { c in try await c.query("SELECT count(*)::int AS n FROM numbers") }
            states.append(try rows.first?.decode(Int.self, "n").description)
            return states
        }
        #expect(states == ["23505", "22012", "25006", "0"])
    }

    @Test func aCancelledRequestStopsItsStatementOnTheLoop() async throws {
        let database = try await PostgresCluster.freshDatabase("loop_cancel")
        let pool = PostgresPool(.init(connectionString: database, maxConnections: 1))
        let watcher = PostgresPool(.init(connectionString: database, maxConnections: 1))
        defer { pool.shutdown(); watcher.shutdown() }
        let loop = try EventLoop()
        let started = ContinuousClock.now
        let task = Task(executorPreference: loop) { () -> String? in
            do {
                _ = try await pool.query("SELECT pg_sleep(30)")
                return nil
            } catch let error as PostgresError { return error.sqlState }
        }
        // Cancelled while the statement runs on the server (a task cancelled before sending
        // sends nothing: see aTaskCancelledBeforeItsStatementSendsNothing).
        let running = try await eventually(timeout: .seconds(20)) {
            try await watcher.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query = 'SELECT pg_sleep(30)'")
                .first?.decode(Int.self, "n") == 1
        }
        #expect(running)
        task.cancel()
        let state = try await task.value
        #expect(state == "57014")
        #expect(ContinuousClock.now - started < .seconds(20))
        // The pool replaces the cancelled connection and serves again.
        let value = try await onLoop(loop) { try await pool.query("SELECT 3 AS n").first?.decode(Int.self, "n") }
        #expect(value == 3)
    }
}

extension PostgresOnEventLoopTests {
    @Test func aTaskCancelledBeforeItsStatementSendsNothing() async throws {
        let pool = PostgresPool(.init(connectionString: try await PostgresCluster.freshDatabase("loop_precancel"), maxConnections: 1))
        defer { pool.shutdown() }
        try await pool.query("CREATE TABLE marks (n int)")
        let loop = try EventLoop()
        let state = await Task(executorPreference: loop) { () -> String? in
            withUnsafeCurrentTask { $0?.cancel() }
            do {
                try await pool.query("INSERT INTO marks VALUES (\(1))")
                return nil
            } catch let error as PostgresError { return error.sqlState } catch { return "other" }
        }.value
        #expect(state == "57014")
        let count = try await pool.query("SELECT count(*)::int AS n FROM marks").first?.decode(Int.self, "n")
        #expect(count == 0)
    }
}

extension PostgresOnEventLoopTests {
    /// A loop that stops while a statement awaits its answer there (a shutdown past its grace
    /// period) fails the statement instead of leaving it, and its connection, waiting for ever.
    @Test func aLoopStoppingUnderAStatementFailsItAndFreesTheConnection() async throws {
        let database = try await PostgresCluster.freshDatabase("loop_stop")
        var configuration = PostgresPool.Configuration(connectionString: database, maxConnections: 1)
        configuration.acquireTimeout = .seconds(20)
        let pool = PostgresPool(configuration)
        let watcher = PostgresPool(.init(connectionString: database, maxConnections: 1))
        defer { pool.shutdown(); watcher.shutdown() }
        let loop = try EventLoop()
        let started = ContinuousClock.now
        let task = Task(executorPreference: loop) { () -> PostgresError.Kind? in
            do {
                _ = try await pool.query("SELECT pg_sleep(30)")
                return nil
            } catch let error as PostgresError { return error.kind } catch { return nil }
        }
        let running = try await eventually(timeout: .seconds(20)) {
            try await watcher.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query = 'SELECT pg_sleep(30)'")
                .first?.decode(Int.self, "n") == 1
        }
        #expect(running)
        loop.shutdown()
        #expect(await task.value == .connection)
        #expect(ContinuousClock.now - started < .seconds(20))
        // The one connection was given back (broken, so replaced) and serves the next caller.
        #expect(try await pool.query("SELECT 5 AS n").first?.decode(Int.self, "n") == 5)
    }
}

private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

extension PostgresOnEventLoopTests {
    /// Two loops, four connections and two hundred tasks contending for one row: every
    /// connection passes between loops many times, and none of them is ever left waiting
    /// for an answer the loop did not hear (the pool would time out: a generous 30 s, as the
    /// tasks queue behind one row lock and its commits on a machine busy with other suites).
    @Test func manyTasksOnTwoLoopsShareASmallPool() async throws {
        var configuration = PostgresPool.Configuration(connectionString: try await PostgresCluster.freshDatabase("loop_share"), maxConnections: 4)
        configuration.acquireTimeout = .seconds(30)
        let pool = PostgresPool(configuration)
        defer { pool.shutdown() }
        try await pool.query("CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL)")
        try await pool.query("INSERT INTO counter VALUES (1, 0)")
        let loops = [try EventLoop(), try EventLoop()]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<200 {
                let loop = loops[i % 2]
                group.addTask(executorPreference: loop) {
                    switch i % 3 {
                    case 0: try await pool.query("UPDATE counter SET n = n + 1 WHERE id = 1")
                    case 1: try await pool.transaction { c in
                        try await c.query("SELECT n FROM counter WHERE id = 1 FOR UPDATE")
                        try await c.query("UPDATE counter SET n = n + 1 WHERE id = 1")
                    }
                    default: _ = try await pool.transaction(readOnly: true) { c in try await c.query("SELECT n FROM counter") }
                    }
                }
            }
            try await group.waitForAll()
        }
        let n = try await pool.query("SELECT n FROM counter").first?.decode(Int.self, "n")
        #expect(n == 134)
    }
}
