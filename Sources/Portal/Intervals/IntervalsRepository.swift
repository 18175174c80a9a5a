import Foundation
import Postgres
import Telephony

/// The SQL of intervals.
struct IntervalsRepository: Sendable {
    static let columns = """
        id::text AS id, owner_id::text AS owner_id, name, algorithm, timezone, start_minute, end_minute, start_weekday, end_weekday,
        start_day, end_day, months::int[] AS months, start_date::text AS start_date, end_date::text AS end_date, version, created_at, updated_at
        """

    /// By name; `owner` limits to one user's intervals, `search` matches the name ignoring
    /// case and accents.
    func list(owner: UUID?, search: String?, limit: Int, after cursor: NameCursor?, on connection: PostgresConnection) async throws -> (items: [IntervalView], total: Int) {
        var filter: PostgresQuery = "tenant_id = app_tenant()"
        if let owner { filter.append(" AND owner_id = \(owner)") }
        if let search, !search.isEmpty { filter.append(" AND search_fold(name) LIKE search_fold(\(NameCursor.likePattern(search)))") }
        let page = try await PageQuery(table: "intervals", columns: Self.columns, filter: filter,
                                       after: cursor.map { "(lower(name), id) > (\($0.name), \($0.id))" }, order: "lower(name), id",
                                       limit: limit).run(on: connection)
        return (try page.rows.map(Self.decode), page.total)
    }

    func find(_ id: UUID, forUpdate: Bool = false, on connection: PostgresConnection) async throws -> IntervalView? {
        try await connection.query("SELECT \(unsafeRaw: Self.columns) FROM intervals WHERE id = \(id)\(unsafeRaw: forUpdate ? " FOR UPDATE" : "")")
            .first.map(Self.decode)
    }

    func create(_ f: IntervalFields, tenantID: UUID, on connection: PostgresConnection) async throws -> IntervalView {
        let r = f.rule
        let rows = try await connection.query("""
            INSERT INTO intervals (tenant_id, owner_id, name, algorithm, timezone, start_minute, end_minute, start_weekday, end_weekday,
                                   start_day, end_day, months, start_date, end_date)
            VALUES (\(tenantID), \(f.ownerID), \(f.name), \(r.algorithm.rawValue), \(r.timeZone), \(r.startTime.minutes), \(r.endTime.minutes),
                    \(r.startWeekday?.rawValue), \(r.endWeekday?.rawValue), \(r.startDay), \(r.endDay), \(r.months)::smallint[],
                    \(r.startDate?.description)::date, \(r.endDate?.description)::date)
            RETURNING \(unsafeRaw: Self.columns)
            """)
        guard let row = rows.first else { throw PostgresError(.client, "INSERT returned no row") }
        return try Self.decode(row)
    }

    func update(_ id: UUID, _ f: IntervalFields, on connection: PostgresConnection) async throws -> IntervalView? {
        let r = f.rule
        return try await connection.query("""
            UPDATE intervals SET owner_id = \(f.ownerID), name = \(f.name), algorithm = \(r.algorithm.rawValue), timezone = \(r.timeZone),
                start_minute = \(r.startTime.minutes), end_minute = \(r.endTime.minutes), start_weekday = \(r.startWeekday?.rawValue),
                end_weekday = \(r.endWeekday?.rawValue), start_day = \(r.startDay), end_day = \(r.endDay), months = \(r.months)::smallint[],
                start_date = \(r.startDate?.description)::date, end_date = \(r.endDate?.description)::date,
                version = version + 1, updated_at = now()
            WHERE id = \(id)
            RETURNING \(unsafeRaw: Self.columns)
            """).first.map(Self.decode)
    }

    /// Deletes exactly `ids` or nothing: returns the number deleted.
    func delete(_ ids: [UUID], on connection: PostgresConnection) async throws -> Int {
        try await connection.query("DELETE FROM intervals WHERE id = ANY(\(ids))").affectedRows
    }

    static func decode(_ row: PostgresRow) throws -> IntervalView {
        func clock(_ column: String) throws -> String { TimeOfDay(minutes: try row.decode(Int.self, column))?.description ?? "00:00" }
        return IntervalView(
            id: try row.decode(String.self, "id"), ownerId: try row.decode(String.self, "owner_id"), name: try row.decode(String.self, "name"),
            algorithm: try row.decode(String.self, "algorithm"), timezone: try row.decode(String.self, "timezone"),
            startTime: try clock("start_minute"), endTime: try clock("end_minute"),
            startWeekday: try row.decode(String?.self, "start_weekday"), endWeekday: try row.decode(String?.self, "end_weekday"),
            startDay: try row.decode(Int.self, "start_day"), endDay: try row.decode(Int.self, "end_day"),
            months: try row.decode([Int].self, "months"), startDate: try row.decode(String?.self, "start_date"),
            endDate: try row.decode(String?.self, "end_date"), version: try row.decode(Int.self, "version"),
            createdAt: try row.decode(Date.self, "created_at"), updatedAt: try row.decode(Date.self, "updated_at"))
    }

    /// The stored row back as a domain value.
    static func fields(of view: IntervalView) -> IntervalFields? {
        guard let owner = UUID(uuidString: view.ownerId), let algorithm = CalendarInterval.Algorithm(rawValue: view.algorithm),
              let start = TimeOfDay(view.startTime), let end = TimeOfDay(view.endTime) else { return nil }
        return IntervalFields(ownerID: owner, name: view.name, rule: CalendarInterval(
            algorithm: algorithm, timeZone: view.timezone, startTime: start, endTime: end,
            startWeekday: view.startWeekday.flatMap(Weekday.init(rawValue:)), endWeekday: view.endWeekday.flatMap(Weekday.init(rawValue:)),
            startDay: view.startDay, endDay: view.endDay, months: view.months,
            startDate: view.startDate.flatMap(LocalDate.init), endDate: view.endDate.flatMap(LocalDate.init)))
    }
}
