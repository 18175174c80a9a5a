import Foundation
public import Logging

/// A numbered SQL file from `Migrations/` (`0001_create_tenants.sql`).
public struct Migration: Sendable, Equatable {
    public var version: Int
    public var name: String
    public var sql: String
    public var checksum: String
}

public struct MigrationError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(description: String) { self.description = description }
}

/// Applies migrations in order, each in its own transaction, recording version, name and
/// SHA-256 in `schema_migrations`. An applied migration whose file changed, or one the
/// database knows but the files do not, is a hard error. Concurrent runners serialize on an
/// advisory lock, so two processes starting at once apply each migration exactly once.
public struct MigrationRunner: Sendable {
    public static let advisoryLockKey = 7_311_104_221
    public let migrations: [Migration]
    private let logger: Logger

    public init(migrations: [Migration], logger: Logger = Logger(label: "migrations")) {
        self.migrations = migrations.sorted { $0.version < $1.version }
        self.logger = logger
    }

    /// Reads `NNNN_name.sql` files from a directory.
    public init(directory: String, logger: Logger = Logger(label: "migrations")) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        var migrations: [Migration] = []
        for file in names where file.hasSuffix(".sql") {
            let stem = file.dropLast(4)
            let parts = stem.split(separator: "_", maxSplits: 1)
            guard parts.count == 2, parts[0].count == 4, let version = Int(parts[0]) else {
                throw MigrationError(description: "migration file \(file) is not named NNNN_name.sql")
            }
            let data = try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(file))
            guard let sql = String(data: data, encoding: .utf8) else {
                throw MigrationError(description: "migration file \(file) is not UTF-8")
            }
            migrations.append(Migration(version: version, name: String(parts[1]), sql: sql, checksum: SHA256Digest.hex(Array(data))))
        }
        let versions = migrations.map(\.version)
        if Set(versions).count != versions.count {
            throw MigrationError(description: "two migration files share a version number in \(directory)")
        }
        self.init(migrations: migrations, logger: logger)
    }

    /// The migrations not yet applied; throws when the database and the files disagree.
    public func pending(on pool: PostgresPool) async throws -> [Migration] {
        try await pool.withConnection { connection in
            let exists = try await connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present")
            guard try exists.first?.decode(Bool.self, "present") == true else { return migrations }
            return try await verify(connection)
        }
    }

    /// Applies every pending migration; returns what was applied.
    @discardableResult
    public func migrate(on pool: PostgresPool) async throws -> [Migration] {
        try await pool.withConnection { connection in
            try await connection.query("SELECT pg_advisory_lock(\(MigrationRunner.advisoryLockKey))")
            do {
                let applied = try await applyPending(connection)
                try await connection.query("SELECT pg_advisory_unlock(\(MigrationRunner.advisoryLockKey))")
                return applied
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(MigrationRunner.advisoryLockKey))")
                throw error
            }
        }
    }

    private func applyPending(_ connection: PostgresConnection) async throws -> [Migration] {
        try await connection.simpleQuery("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """)
        let pending = try await verify(connection)
        for migration in pending {
            logger.info("applying migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            try await connection.simpleQuery("BEGIN")
            do {
                try await connection.simpleQuery(migration.sql)
                try await connection.query("""
                    INSERT INTO schema_migrations (version, name, checksum) VALUES (\(migration.version), \(migration.name), \(migration.checksum))
                    """)
                try await connection.simpleQuery("COMMIT")
            } catch {
                _ = try? await connection.simpleQuery("ROLLBACK")
                throw MigrationError(description: "migration \(migration.version)_\(migration.name) failed: \(error)")
            }
        }
        return pending
    }

    private func verify(_ connection: PostgresConnection) async throws -> [Migration] {
        let rows = try await connection.query("SELECT version, name, checksum FROM schema_migrations ORDER BY version")
        var applied: [Int: (name: String, checksum: String)] = [:]
        for row in rows {
            applied[try row.decode(Int.self, "version")] = (try row.decode(String.self, "name"), try row.decode(String.self, "checksum"))
        }
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        for (version, record) in applied.sorted(by: { $0.key < $1.key }) {
            guard let file = known[version] else {
                throw MigrationError(description: "the database has migration \(version)_\(record.name) applied, but no such file exists: is this build older than the database?")
            }
            if file.checksum != record.checksum {
                throw MigrationError(description: "migration \(version)_\(record.name) was edited after it was applied (checksum \(record.checksum.prefix(12)) in the database, \(file.checksum.prefix(12)) on disk); add a new migration instead")
            }
        }
        return migrations.filter { applied[$0.version] == nil }
    }
}
