import Foundation
import Postgres
import Testing
import TestSupport

/// Every supported type survives a round trip through a real server, NULLs included.
@Suite struct PostgresTypeTests {
    func pool() async throws -> PostgresPool {
        PostgresPool(.init(connectionString: try await PostgresCluster.freshDatabase("types"), maxConnections: 2))
    }

    @Test func everyTypeRoundTrips() async throws {
        let pool = try await pool()
        defer { pool.shutdown() }
        try await pool.query("""
            CREATE TABLE everything (
                i8 bigint, i4 integer, i2 smallint, b boolean, t text, v varchar(20), d double precision,
                n numeric(20,6), ts timestamptz, day date, id uuid, raw bytea, doc jsonb, names text[], numbers int[]
            )
            """)
        let instant = Date(timeIntervalSince1970: 1_795_000_000.123456)
        let id = UUID()
        let raw = PostgresBytes([0, 1, 2, 254, 255, 92, 120])
        let doc = try PostgresJSON(["name": "José", "quote": "\"q\""])
        let names = ["plain", "with space", "comma,inside", "quote\"inside", "back\\slash", "", "NULL", "ñandú"]
        try await pool.query("""
            INSERT INTO everything VALUES (
                \(Int.max), \(Int32.min), \(7), \(true), \("tëxt ☎"), \("short"), \(3.25), \(Decimal(string: "12345.678901")!),
                \(instant), \(PostgresDate(year: 2026, month: 2, day: 28)), \(id), \(raw), \(doc), \(names), \([1, -2, 3])
            )
            """)
        let rows = try await pool.query("SELECT * FROM everything")
        let row = try #require(rows.first)
        #expect(try row.decode(Int.self, "i8") == Int.max)
        #expect(try row.decode(Int32.self, "i4") == Int32.min)
        #expect(try row.decode(Int.self, "i2") == 7)
        #expect(try row.decode(Bool.self, "b") == true)
        #expect(try row.decode(String.self, "t") == "tëxt ☎")
        #expect(try row.decode(String.self, "v") == "short")
        #expect(try row.decode(Double.self, "d") == 3.25)
        #expect(try row.decode(Decimal.self, "n") == Decimal(string: "12345.678901"))
        let decodedInstant = try row.decode(Date.self, "ts")
        #expect(abs(decodedInstant.timeIntervalSince1970 - instant.timeIntervalSince1970) < 0.000_001)
        #expect(try row.decode(PostgresDate.self, "day") == PostgresDate(year: 2026, month: 2, day: 28))
        #expect(try row.decode(UUID.self, "id") == id)
        #expect(try row.decode(PostgresBytes.self, "raw") == raw)
        #expect(try row.decode(PostgresJSON.self, "doc").decode([String: String].self) == ["name": "José", "quote": "\"q\""])
        #expect(try row.decode([String].self, "names") == names)
        #expect(try row.decode([Int].self, "numbers") == [1, -2, 3])
    }

    @Test func nullsDecodeAsNilOnlyForOptionals() async throws {
        let pool = try await pool()
        defer { pool.shutdown() }
        let nothing: String? = nil
        let rows = try await pool.query("SELECT \(nothing)::text AS missing, \(Optional(5))::int AS present")
        let row = try #require(rows.first)
        #expect(try row.decode(String?.self, "missing") == nil)
        #expect(try row.decode(Int?.self, "present") == 5)
        #expect(row.isNull("missing"))
        let error = try #require(throws: PostgresError.self) { try row.decode(String.self, "missing") }
        #expect(error.kind == .decoding)
        #expect(error.message.contains("\"missing\""))
        #expect(error.message.contains("index 0"))
        #expect(error.message.contains("NULL"))
    }

    @Test func decodingErrorsNameColumnIndexAndBothTypes() async throws {
        let pool = try await pool()
        defer { pool.shutdown() }
        let row = try #require(try await pool.query("SELECT 'abc'::text AS word, 1 AS one").first)
        let error = try #require(throws: PostgresError.self) { try row.decode(Int.self, "word") }
        #expect(error.message.contains("\"word\""))
        #expect(error.message.contains("index 0"))
        #expect(error.message.contains("text"))
        #expect(error.message.contains("Int"))
        let missing = try #require(throws: PostgresError.self) { try row.decode(Int.self, "nope") }
        #expect(missing.message.contains("word, one"))
        #expect(throws: PostgresError.self) { try row.decode(Bool.self, at: 1) }
    }

    @Test func interpolationBindsValuesAndNeverSplicesThem() throws {
        let name = "x'; DROP TABLE users; --"
        let query: PostgresQuery = "SELECT * FROM users WHERE name = \(name) AND age > \(30) ORDER BY \(unsafeRaw: "name")"
        #expect(query.sql == "SELECT * FROM users WHERE name = $1 AND age > $2 ORDER BY name")
        #expect(query.binds.map(\.text) == [name, "30"])
    }

    @Test func fragmentsAreRenumbered() throws {
        let filter: PostgresQuery = "a = \(1) AND b = \(2) AND c IN (\(3), \(4), \(5), \(6), \(7), \(8), \(9), \(10), \(11))"
        var query: PostgresQuery = "SELECT * FROM t WHERE x = \("x") AND \(fragment: filter)"
        #expect(query.sql.hasPrefix("SELECT * FROM t WHERE x = $1 AND a = $2 AND b = $3 AND c IN ($4"))
        #expect(query.sql.hasSuffix("$11, $12)"))
        query.append(" LIMIT \(5)")
        #expect(query.sql.hasSuffix("LIMIT $13"))
        #expect(query.binds.count == 13)
    }
}
