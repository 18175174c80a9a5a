import Foundation
import Postgres
import Testing
import TestSupport

@Suite struct PostgresBulkAndNotifyTests {
    @Test func copyFromStdinLoadsRowsWithAwkwardText() async throws {
        let pool = PostgresPool(.init(connectionString: try await PostgresCluster.freshDatabase("copy"), maxConnections: 1))
        defer { pool.shutdown() }
        try await pool.query("CREATE TABLE calls (id int, note text)")
        let rows: [[String?]] = (0..<5_000).map { i in [String(i), i % 10 == 0 ? nil : "row \(i)\twith\ttabs\nnewline \\ backslash ☎"] }
        let copied = try await pool.withConnection { try await $0.copyFrom(table: "calls", columns: ["id", "note"], rows: rows) }
        #expect(copied == 5_000)
        let stats = try #require(try await pool.query("SELECT count(*)::int AS c, count(note)::int AS notes FROM calls").first)
        #expect(try stats.decode(Int.self, "c") == 5_000)
        #expect(try stats.decode(Int.self, "notes") == 4_500)
        let sample = try await pool.query("SELECT note FROM calls WHERE id = \(7)").first?.decode(String.self, "note")
        #expect(sample == "row 7\twith\ttabs\nnewline \\ backslash ☎")
    }

    @Test func aBadCopyRowAbortsTheWholeLoad() async throws {
        let pool = PostgresPool(.init(connectionString: try await PostgresCluster.freshDatabase("badcopy"), maxConnections: 1))
        defer { pool.shutdown() }
        try await pool.query("CREATE TABLE calls (id int, note text)")
        let rows: [[String?]] = [["1", "ok"], ["not a number", "bad"]]
        let error = try await #require(throws: PostgresError.self) {
            try await pool.withConnection { try await $0.copyFrom(table: "calls", columns: ["id", "note"], rows: rows) }
        }
        #expect(error.sqlState == "22P02")
        #expect(try await pool.query("SELECT count(*)::int AS c FROM calls").first?.decode(Int.self, "c") == 0)
    }

    @Test func notificationsArriveOnTheListener() async throws {
        let url = try await PostgresCluster.freshDatabase("notify")
        let pool = PostgresPool(.init(connectionString: url, maxConnections: 1))
        defer { pool.shutdown() }
        let listener = PostgresListener(connectionString: url, channels: ["deployments"], logger: testLogger())
        await listener.start()
        defer { listener.stop() }
        try await pool.notify(channel: "deployments", payload: "tenant-1:7")
        try await pool.transaction { try await $0.query("SELECT pg_notify(\("deployments"), \("tenant-2:3"))") }
        var received: [PostgresNotification] = []
        for await notification in listener.notifications {
            received.append(notification)
            if received.count == 2 { break }
        }
        #expect(received == [.init(channel: "deployments", payload: "tenant-1:7"), .init(channel: "deployments", payload: "tenant-2:3")])
    }
}

@Suite struct PostgresListenerStopTests {
    /// A listener that never reached its database must still let `start()` return when
    /// stopped (a portal with an unreachable database hung in shutdown before this).
    @Test func stoppingReleasesAStartStillWaitingForItsFirstListen() async throws {
        let listener = PostgresListener(connectionString: "host=/nonexistent-\(UUID().uuidString) connect_timeout=1", channels: ["x"])
        let started = Task { await listener.start(); return true }
        try await Task.sleep(for: .milliseconds(50))
        listener.stop()
        #expect(await started.value)
    }
}
