import Foundation
import HTTPServer
import Portal
import Postgres
import Testing
import TestSupport

/// `/healthz`, `/readyz` and `/metrics` of a live portal on a real database, and the refusal
/// to serve a database that is behind.
@Suite struct OperationsEndpointTests {
    /// The real migrations of the project, from the checkout.
    static var home: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }

    func makeApp(databaseURL: String) throws -> PortalApplication {
        let configuration = PortalConfiguration(
            host: "127.0.0.1", port: 0, databaseURL: databaseURL,
            dataDirectory: NSTemporaryDirectory() + "portal-\(UUID().uuidString)", logLevel: .critical,
            databaseConnections: 4, home: Self.home)
        return try PortalApplication(configuration: configuration, logger: testLogger("portal"))
    }

    /// Migrations run as the database owner, as `centralita migrate` does.
    func migrateAsOwner(_ url: String) async throws {
        let owner = PostgresPool(.init(connectionString: url, maxConnections: 1))
        defer { owner.shutdown() }
        try await MigrationRunner(directory: Self.home + "/Migrations", logger: testLogger()).migrate(on: owner)
    }

    @Test func aDatabaseBehindTheMigrationsIsNotServedAndNotReady() async throws {
        let app = try makeApp(databaseURL: try await PostgresCluster.freshDatabase("behind"))
        await #expect(throws: MigrationError.self) { try await app.checkSchema() }
        try app.start()
        let client = try RawHTTPClient(port: app.server.port)
        try await client.send("GET /readyz HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try await client.readResponse()
        #expect(response.status == 503)
        await app.shutdown()
    }

    @Test func aMigratedDatabaseIsReadyAndHealthy() async throws {
        let url = try await PostgresCluster.freshDatabase("ready")
        let app = try makeApp(databaseURL: url)
        try await migrateAsOwner(url)
        try await app.checkSchema()
        try app.start()
        let client = try RawHTTPClient(port: app.server.port)
        try await client.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        let health = try await client.readResponse()
        #expect(health.status == 200)
        #expect(health.bodyText == #"{"status":"ok"}"#)
        try await client.send("GET /readyz HTTP/1.1\r\nHost: t\r\n\r\n")
        let ready = try await client.readResponse()
        #expect(ready.status == 200)
        #expect(ready.bodyText.contains(#""status":"ready""#))
        await app.shutdown()
    }

    @Test func readinessFailsWhenTheDatabaseIsDown() async throws {
        let app = try makeApp(databaseURL: "postgresql://nobody@/none?host=/nonexistent-dir&port=1")
        try app.start()
        let client = try RawHTTPClient(port: app.server.port)
        try await client.send("GET /readyz HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try await client.readResponse()
        #expect(response.status == 503)
        #expect(response.bodyText.contains("database unavailable"))
        try await client.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try await client.readResponse().status == 200)
        await app.shutdown()
    }

    @Test func metricsCountRequestsByRouteAndStatusAndShowThePool() async throws {
        let url = try await PostgresCluster.freshDatabase("metrics")
        let app = try makeApp(databaseURL: url)
        try await migrateAsOwner(url)
        try app.start()
        let client = try RawHTTPClient(port: app.server.port)
        for request in ["GET /healthz", "GET /healthz", "GET /readyz", "DELETE /healthz"] {
            try await client.send("\(request) HTTP/1.1\r\nHost: t\r\n\r\n")
            _ = try await client.readResponse()
        }
        try await client.send("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n")
        let metrics = try await client.readResponse()
        #expect(metrics.headers["Content-Type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        let text = metrics.bodyText
        #expect(text.contains(#"http_requests_total{method="GET",route="/healthz",status="200"} 2"#))
        #expect(text.contains(#"http_requests_total{method="DELETE",route="unmatched",status="405"} 1"#))
        #expect(text.contains(#"http_request_duration_seconds_count{route="/readyz"} 1"#))
        #expect(text.contains("http_open_connections 1"))
        #expect(text.contains(#"db_pool_connections{state="idle"}"#))
        #expect(text.contains("db_pool_waiting 0"))
        await app.shutdown()
    }
}

@Suite struct DatabaseOutageTests {
    @Test func anUnreachableDatabaseIs503WithRetryAfter() async throws {
        let configuration = PortalConfiguration(port: 0, databaseURL: "postgresql://nobody@/none?host=/nonexistent-dir&port=1",
                                                dataDirectory: NSTemporaryDirectory() + "outage-\(UUID().uuidString)", home: LivePortal.home)
        let app = try PortalApplication(configuration: configuration, logger: testLogger())
        try app.start()
        let client = try RawHTTPClient(port: app.server.port)
        try await client.send("POST /api/v1/session HTTP/1.1\r\nHost: t\r\nContent-Length: 37\r\n\r\n{\"username\":\"ana\",\"password\":\"x-y-z\"}")
        let response = try await client.readResponse()
        #expect(response.status == 503)
        #expect(response.headers["Retry-After"] == "5")
        #expect(!response.bodyText.contains("nonexistent-dir"), "no connection details leak")
        await app.shutdown()
    }
}
