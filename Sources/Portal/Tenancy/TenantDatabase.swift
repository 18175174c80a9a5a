import Foundation
import Postgres

/// Transactions that carry their scope. Every tenant-scoped unit of work runs through
/// `transaction(_:)`, which sets `app.tenant_id`, `app.user_id` and `app.operator` with
/// SET LOCAL before anything else, so row-level security sees exactly one tenant.
struct TenantDatabase: Sendable {
    let pool: PostgresPool
    /// Told of every committed write with a tenant in scope, so this portal's next read of
    /// a cached list sees it without waiting for the notification.
    var pages: ListCache? = nil
    /// Batches a tenant's concurrent writes into one transaction (`combinedWrite`); without
    /// it, each runs alone.
    var combiner: WriteCombiner? = nil

    struct Scope: Sendable, Equatable {
        var tenantID: UUID?
        var userID: UUID?
        var isOperator: Bool

        static func tenant(_ id: UUID, user: UUID?) -> Scope { Scope(tenantID: id, userID: user, isOperator: false) }
        static func operatorScope(user: UUID?, tenant: UUID? = nil) -> Scope { Scope(tenantID: tenant, userID: user, isOperator: true) }
        /// Before anyone is known (sign-in): only the security-definer auth functions work.
        static let anonymous = Scope(tenantID: nil, userID: nil, isOperator: false)
    }

    @discardableResult
    func transaction<T: Sendable>(_ scope: Scope, repeatableRead: Bool = false, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let result = try await pool.transaction(repeatableRead: repeatableRead, opening: [Self.opening(scope, notifyAfterCommit: true)],
                                                afterCommit: Self.notifyChanges, body)
        if let pages, let tenant = scope.tenantID { pages.changed(tenant) }
        return result
    }

    /// A write that may share its transaction (and its commit) with the tenant's other writes
    /// running at the same moment, each in a savepoint under its own scope (`WriteCombiner`).
    /// For short writes of one resource whose body touches only the database: it may run
    /// again alone after a serialization failure, and must not start other transactions.
    func combinedWrite<T: Sendable>(_ scope: Scope, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        guard let combiner else { return try await transaction(scope, body) }
        return try await combiner.write(scope, on: self, body)
    }

    /// A transaction that only reads (lists, single reads): the scope and the first query
    /// reach PostgreSQL in one round trip, and nobody waits for its end. PostgreSQL refuses
    /// any write in it.
    @discardableResult
    func read<T: Sendable>(_ scope: Scope, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await pool.transaction(readOnly: true, opening: [Self.opening(scope, readOnly: true)], openingSetsReadOnly: true, body)
    }

    /// Sent with every write's COMMIT: the configuration notifications of what it changed go
    /// out after the commit, not under its locks (migration 0020).
    static let notifyChanges = "SELECT app_notify_config_changes()"

    /// The scope, set for the transaction only; a read also turns `transaction_read_only` on in
    /// the same statement, a write asks the configuration triggers to leave their
    /// notifications to `notifyChanges`.
    static func opening(_ scope: Scope, readOnly: Bool = false, notifyAfterCommit: Bool = false) -> PostgresQuery {
        var query: PostgresQuery = """
            SELECT set_config('app.tenant_id', \(scope.tenantID?.uuidString.lowercased() ?? ""), true),
                   set_config('app.user_id', \(scope.userID?.uuidString.lowercased() ?? ""), true),
                   set_config('app.operator', \(scope.isOperator ? "on" : "off"), true)
            """
        if readOnly { query.append(", set_config('transaction_read_only', 'on', true)") }
        if notifyAfterCommit { query.append(", set_config('app.notify_after_commit', 'on', true)") }
        return query
    }
}
