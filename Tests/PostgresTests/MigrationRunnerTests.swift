import Foundation
import Postgres
import Testing
import TestSupport

@Suite struct MigrationRunnerTests {
    func directory(_ files: [String: String]) throws -> String {
        let dir = NSTemporaryDirectory() + "migrations-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (name, sql) in files { try sql.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
        return dir
    }

    let files = [
        "0002_add_numbers.sql": "CREATE TABLE numbers (id int PRIMARY KEY, tenant_id int NOT NULL REFERENCES tenants(id));",
        "0001_create_tenants.sql": "CREATE TABLE tenants (id int PRIMARY KEY, name text NOT NULL);",
        "0003_seed.sql": "INSERT INTO tenants VALUES (1, 'first'); INSERT INTO numbers VALUES (1, 1);",
    ]

    @Test func migrationsApplyInVersionOrderAndOnlyOnce() async throws {
        let dir = try directory(files)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pool = PostgresPool(.init(connectionString: try await PostgresCluster.freshDatabase("migrate"), maxConnections: 2))
        defer { pool.shutdown() }
        let runner = try MigrationRunner(directory: dir, logger: testLogger())
        #expect(try await runner.pending(on: pool).map(\.version) == [1, 2, 3])
        #expect(try await runner.migrate(on: pool).map(\.version) == [1, 2, 3])
        #expect(try await runner.migrate(on: pool).isEmpty)
        #expect(try await runner.pending(on: pool).isEmpty)
        let recorded = try await pool.query("SELECT version, name, checksum FROM schema_migrations ORDER BY version")
        #expect(try recorded.map { try $0.decode(String.self, "name") } == ["create_tenants", "add_numbers", "seed"])
        #expect(try recorded.allSatisfy { try $0.decode(String.self, "checksum").count == 64 })
    }

    @Test func anEditedAppliedMigrationIsAHardError() async throws {
        let dir = try directory(files)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pool = PostgresPool(.init(connectionString: try await PostgresCluster.freshDatabase("edited"), maxConnections: 1))
        defer { pool.shutdown() }
        try await MigrationRunner(directory: dir, logger: testLogger()).migrate(on: pool)
        try "CREATE TABLE tenants (id int PRIMARY KEY, name text NOT NULL, extra int);"
            .write(toFile: dir + "/0001_create_tenants.sql", atomically: true, encoding: .utf8)
        let runner = try MigrationRunner(directory: dir, logger: testLogger())
        let error = try await #require(throws: MigrationError.self) { try await runner.migrate(on: pool) }
        #expect(error.description.contains("0001") || error.description.contains("1_create_tenants"))
        #expect(error.description.contains("edited"))
        await #expect(throws: MigrationError.self) { try await runner.pending(on: pool) }
    }

    @Test func aDatabaseAheadOfTheFilesIsRefused() async throws {
        let dir = try directory(files)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pool = PostgresPool(.init(connectionString: try await PostgresCluster.freshDatabase("ahead"), maxConnections: 1))
        defer { pool.shutdown() }
        try await MigrationRunner(directory: dir, logger: testLogger()).migrate(on: pool)
        try FileManager.default.removeItem(atPath: dir + "/0003_seed.sql")
        let error = try await #require(throws: MigrationError.self) {
            try await MigrationRunner(directory: dir, logger: testLogger()).migrate(on: pool)
        }
        #expect(error.description.contains("no such file"))
    }

    @Test func aFailingMigrationLeavesNoTrace() async throws {
        var broken = files
        broken["0003_seed.sql"] = "CREATE TABLE half (id int); INSERT INTO numbers VALUES (1, 999);"
        let dir = try directory(broken)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pool = PostgresPool(.init(connectionString: try await PostgresCluster.freshDatabase("failing"), maxConnections: 1))
        defer { pool.shutdown() }
        let error = try await #require(throws: MigrationError.self) {
            try await MigrationRunner(directory: dir, logger: testLogger()).migrate(on: pool)
        }
        #expect(error.description.contains("0003") || error.description.contains("3_seed"))
        #expect(try await pool.query("SELECT to_regclass('half') IS NULL AS gone").first?.decode(Bool.self, "gone") == true)
        #expect(try await pool.query("SELECT max(version)::int AS v FROM schema_migrations").first?.decode(Int.self, "v") == 2)
    }

    @Test func concurrentRunnersApplyEachMigrationExactlyOnce() async throws {
        let dir = try directory(files)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let url = try await PostgresCluster.freshDatabase("concurrent")
        let applied = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let pool = PostgresPool(.init(connectionString: url, maxConnections: 1))
                    defer { pool.shutdown() }
                    return try await MigrationRunner(directory: dir, logger: testLogger()).migrate(on: pool).count
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(applied.sorted() == [0, 0, 0, 3])
        let pool = PostgresPool(.init(connectionString: url, maxConnections: 1))
        defer { pool.shutdown() }
        #expect(try await pool.query("SELECT count(*)::int AS c FROM tenants").first?.decode(Int.self, "c") == 1)
    }

    @Test func badlyNamedFilesAreRefused() throws {
        let dir = try directory(["1_too_short.sql": "SELECT 1;"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(throws: MigrationError.self) { try MigrationRunner(directory: dir) }
    }
}
