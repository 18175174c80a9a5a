import HTTPServer
import Postgres

/// `/healthz` (the process answers), `/readyz` (the database answers and is migrated) and
/// `/metrics` (Prometheus).
struct OperationsRoutes: RouteCollection {
    let pool: PostgresPool
    let migrations: MigrationRunner
    let metrics: MetricsRegistry

    private struct Health: Encodable {
        var status: String
    }

    private struct Readiness: Encodable {
        var status: String
        var database: String
        var schemaVersion: Int?
        var expectedSchemaVersion: Int?
    }

    func register(on routes: RouteGroup) {
        routes.get("/healthz") { _ in
            try .json(Health(status: "ok"))
        }
        let expected = migrations.migrations.last?.version
        routes.light.get("/readyz") { _ in
            do {
                let rows = try await pool.query("SELECT coalesce(max(version), 0) AS version FROM schema_migrations")
                let version = try rows.first?.decode(Int.self, "version")
                let ready = version == expected
                return try .json(Readiness(status: ready ? "ready" : "migrations pending", database: "ok",
                                           schemaVersion: version, expectedSchemaVersion: expected),
                                 status: ready ? .ok : .serviceUnavailable)
            } catch {
                return try .json(Readiness(status: "database unavailable", database: "\(error)", schemaVersion: nil,
                                           expectedSchemaVersion: expected), status: .serviceUnavailable)
            }
        }
        routes.get("/metrics") { _ in
            .text(metrics.render(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
    }
}
