import Foundation
import Postgres
#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing
import TestSupport

/// What the pool does when the database pushes back: serialization failures retried, hung
/// statements and idle transactions ended by the server, text it cannot store refused.
@Suite struct PostgresFaultTests {
    @Test func aSerializationFailureIsRetriedAndThenCommits() async throws {
        let pool = PostgresPool(.init(connectionString: try await PostgresCluster.freshDatabase("retry"), maxConnections: 1))
        defer { pool.shutdown() }
        try await pool.query("CREATE TABLE items (name text PRIMARY KEY)")
        let attempts = Atomic(0)
        try await pool.transaction { connection in
            try await connection.query("INSERT INTO items VALUES (\("kept"))")
            if attempts.add(1, ordering: .relaxed).newValue < 3 {
                try await connection.simpleQuery("DO $$ BEGIN RAISE EXCEPTION 'could not serialize' USING ERRCODE = '40001'; END $$")
            }
        }
        #expect(attempts.load(ordering: .relaxed) == 3)
        #expect(try await pool.query("SELECT count(*)::int AS n FROM items").first?.decode(Int.self, "n") == 1)
    }

    @Test func aTransactionThatKeepsFailingToSerializeGivesUp() async throws {
        var configuration = PostgresPool.Configuration(connectionString: try await PostgresCluster.freshDatabase("retry_give_up"), maxConnections: 1)
        configuration.serializationRetries = 2
        let pool = PostgresPool(configuration)
        defer { pool.shutdown() }
        let attempts = Atomic(0)
        let error = try await #require(throws: PostgresError.self) {
            try await pool.transaction { connection in
                attempts.add(1, ordering: .relaxed)
                try await connection.simpleQuery("DO $$ BEGIN RAISE EXCEPTION 'deadlock' USING ERRCODE = '40P01'; END $$")
            }
        }
        #expect(error.sqlState == "40P01")
        #expect(attempts.load(ordering: .relaxed) == 3, "the first try and two retries")
    }

    @Test func theServerEndsAHungStatementAndAnIdleTransaction() async throws {
        var configuration = PostgresPool.Configuration(connectionString: try await PostgresCluster.freshDatabase("timeouts"), maxConnections: 1)
        configuration.statementTimeout = .milliseconds(200)
        configuration.idleInTransactionTimeout = .seconds(7)
        let pool = PostgresPool(configuration)
        defer { pool.shutdown() }
        let error = try await #require(throws: PostgresError.self) { try await pool.query("SELECT pg_sleep(5)") }
        #expect(error.sqlState == "57014", "cancelled by statement_timeout")
        let settings = try await pool.query("""
            SELECT current_setting('statement_timeout') AS s, current_setting('idle_in_transaction_session_timeout') AS i
            """).first
        #expect(try settings?.decode(String.self, "s") == "200ms")
        #expect(try settings?.decode(String.self, "i") == "7s")
    }

    @Test func textWithANulIsRefusedNotCutShort() async throws {
        let pool = PostgresPool(.init(connectionString: try await PostgresCluster.freshDatabase("nul_bind"), maxConnections: 1))
        defer { pool.shutdown() }
        try await pool.query("CREATE TABLE items (name text)")
        let error = try await #require(throws: PostgresError.self) { try await pool.query("INSERT INTO items VALUES (\("abc\u{0}def"))") }
        #expect(error.sqlState == "22021")
        #expect(try await pool.query("SELECT count(*)::int AS n FROM items").first?.decode(Int.self, "n") == 0)
    }

    @Test func cancellingTheTaskStopsItsStatementOnTheServer() async throws {
        let url = try await PostgresCluster.freshDatabase("cancel")
        let pool = PostgresPool(.init(connectionString: url, maxConnections: 1))
        let watcher = PostgresPool(.init(connectionString: url, maxConnections: 1))
        defer { pool.shutdown(); watcher.shutdown() }
        let started = ContinuousClock.now
        let sleeper = Task { try await pool.query("SELECT pg_sleep(20)") }
        // Cancel once the statement runs on the server (on a loaded machine it may take a while
        // to get there; cancelling before would test something else).
        for _ in 0..<200 {
            let running = try await watcher.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(20)' AND state = 'active'")
            if try running.first?.decode(Int.self, "n") == 1 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        sleeper.cancel()
        let result = await sleeper.result
        guard case .failure(let error as PostgresError) = result else { Issue.record("the statement ran to its end: \(result)"); return }
        #expect(error.sqlState == "57014")
        #expect(ContinuousClock.now - started < .seconds(18), "stopped, not waited out")
        #expect(try await pool.query("SELECT 1 AS one").first?.decode(Int.self, "one") == 1, "the pool carries on with a fresh connection")
    }

    /// A server that takes connections and never says a word: libpq waits for it until the
    /// connect timeout. (The listening socket closes when the value goes.)
    final class SilentServer: Sendable {
        let fd: Int32
        let port: Int
        init() {
            let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            listen(listener, 16)
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &len) } }
            fd = listener
            port = Int(UInt16(bigEndian: addr.sin_port))
        }
        deinit { close(fd) }
    }

    /// While the server cannot be reached, a caller queued for the pool's only slot hears so
    /// when the connection attempt ahead of it fails, rather than waiting out the acquire
    /// timeout (requests stuck for seconds, then a timeout instead of "unreachable").
    @Test func aCallerWaitingForASlotGetsTheConnectionErrorNotAPoolTimeout() async throws {
        let server = SilentServer()
        var configuration = PostgresPool.Configuration(connectionString: "postgresql://nobody@127.0.0.1:\(server.port)/none", maxConnections: 1)
        configuration.connectTimeoutSeconds = 2
        configuration.acquireTimeout = .seconds(120)
        let pool = PostgresPool(configuration)
        defer { pool.shutdown() }
        let first = Task { try await pool.query("SELECT 1") }
        // The second caller queues behind the first one's connection attempt.
        while pool.statistics.inUse == 0 { try await Task.sleep(for: .milliseconds(5)) }
        let second = Task { try await pool.query("SELECT 1") }
        while pool.statistics.waiting == 0 { try await Task.sleep(for: .milliseconds(5)) }
        for task in [first, second] {
            guard case .failure(let error as PostgresError) = await task.result else { Issue.record("connected to a silent server"); continue }
            #expect(error.kind == .connection, "\(error)")
        }
        #expect(pool.statistics.inUse == 0 && pool.statistics.waiting == 0)
    }

    /// `url` (a database of a test cluster) reached through `proxy` over TCP.
    static func viaProxy(_ url: String, _ proxy: SeveringProxy) -> String {
        let database = url.split(separator: "@/", maxSplits: 1).last?.split(separator: "?").first ?? ""
        return "postgresql://postgres@127.0.0.1:\(proxy.port)/\(database)"
    }

    /// A connection that died while idle without a word (a network fault) is handed out, and
    /// its BEGIN fails: nothing of the transaction reached the server, so the pool begins it
    /// again on a fresh connection and the caller sees it commit, once.
    @Test func aTransactionWhoseConnectionDiedUnnoticedBeginsAgainOnAnother() async throws {
        let cluster = try await PostgresCluster.shared()
        let proxy = try SeveringProxy(socketPath: "\(cluster.socketDirectory)/.s.PGSQL.\(cluster.port)")
        defer { proxy.stop() }
        let pool = PostgresPool(.init(connectionString: Self.viaProxy(try await cluster.createDatabase("severed_idle"), proxy), maxConnections: 2))
        defer { pool.shutdown() }
        try await pool.query("CREATE TABLE items (name text)")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<2 { group.addTask { try await pool.query("SELECT pg_sleep(0.05)") } }
            try await group.waitForAll()
        }
        #expect(pool.statistics.idle == 2)
        proxy.sever()
        // The health check cannot tell: a plain statement on one of them fails (and may not be
        // run again: it might have been a write that did reach the server).
        let plain = try await #require(throws: PostgresError.self) { try await pool.query("SELECT 1") }
        #expect(plain.isConnectionLoss, "\(plain)")
        // The other one is handed to a transaction: its first statement fails before COMMIT, so
        // nothing of it took effect and it runs again on a fresh connection, committing once.
        let runs = Atomic(0)
        try await pool.transaction { connection in
            runs.add(1, ordering: .relaxed)
            try await connection.query("INSERT INTO items VALUES (\("once"))")
        }
        #expect((1...2).contains(runs.load(ordering: .relaxed)))
        #expect(try await pool.query("SELECT count(*)::int AS n FROM items").first?.decode(Int.self, "n") == 1)
    }

    /// A connection lost inside a transaction, before its COMMIT was sent, rolled all of it
    /// back: the body may run again on another connection, a bounded number of times, and
    /// when the losses go on the caller gets the connection error (the portal answers 503).
    @Test func aConnectionLostInsideATransactionFailsItWithoutRunningItAgain() async throws {
        let cluster = try await PostgresCluster.shared()
        let proxy = try SeveringProxy(socketPath: "\(cluster.socketDirectory)/.s.PGSQL.\(cluster.port)")
        defer { proxy.stop() }
        let pool = PostgresPool(.init(connectionString: Self.viaProxy(try await cluster.createDatabase("severed_busy"), proxy), maxConnections: 2))
        defer { pool.shutdown() }
        try await pool.query("CREATE TABLE items (name text)")
        let runs = Atomic(0)
        let error = try await #require(throws: PostgresError.self) {
            try await pool.transaction { connection in
                runs.add(1, ordering: .relaxed)
                proxy.sever()
                try await connection.query("INSERT INTO items VALUES (\("lost"))")
            }
        }
        #expect(error.isConnectionLoss, "\(error)")
        #expect((1...3).contains(runs.load(ordering: .relaxed)), "at most one try per pool connection, plus the first")
        #expect(try await pool.query("SELECT count(*)::int AS n FROM items").first?.decode(Int.self, "n") == 0)
    }
}
