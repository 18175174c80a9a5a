import Postgres

/// One page of a list and the list's total in one statement (a repository helper): the count
/// is an uncorrelated subquery PostgreSQL runs once, beside the page's index scan, so a list
/// costs one round trip instead of two.
struct PageQuery {
    /// `table` and `columns` are SQL the repository owns; `filter` selects the list, `after`
    /// narrows it to the rows after the cursor, `order` ends with the LIMIT's order.
    var table: String
    var columns: String
    var filter: PostgresQuery
    var after: PostgresQuery?
    var order: String
    var limit: Int

    func run(on connection: PostgresConnection) async throws -> (rows: PostgresRows, total: Int) {
        var query: PostgresQuery = "SELECT \(unsafeRaw: columns), (SELECT count(*)::int FROM \(unsafeRaw: table) WHERE "
        query.append(filter)
        query.append(") AS list_total FROM \(unsafeRaw: table) WHERE ")
        query.append(filter)
        if let after {
            query.append(" AND ")
            query.append(after)
        }
        query.append(" ORDER BY \(unsafeRaw: order) LIMIT \(limit)")
        let rows = try await connection.query(query)
        if let first = rows.first { return (rows, try first.decode(Int.self, "list_total")) }
        guard after != nil else { return (rows, 0) }
        // Past the last page: nothing carries the total, so count on its own.
        var count: PostgresQuery = "SELECT count(*)::int AS list_total FROM \(unsafeRaw: table) WHERE "
        count.append(filter)
        return (rows, try await connection.query(count).first?.decode(Int.self, "list_total") ?? 0)
    }
}
