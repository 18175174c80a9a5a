import EventLoops
import Foundation
import Postgres
import Synchronization

/// Writes of one tenant that arrive while another of its writes is running, committed together:
/// the first becomes the leader and runs its own body, then every write that queued meanwhile,
/// each in a savepoint of one transaction, and commits once. A tenant's writes wait for each
/// other anyway (its revision row), and a commit costs a disk flush, a revision bump, an outbox
/// row and a notification: shared, they are paid once per batch instead of once per request.
///
/// Each write keeps its own outcome. A write whose body throws is rolled back to its savepoint
/// and gets its error; the others go on. A write that succeeded gets its value only once the
/// batch committed, or the commit's error. A write that hit a serialization failure or a
/// deadlock runs again alone, as `TenantDatabase.transaction` would have retried it. Every
/// write runs under its own scope (`set_config` inside its savepoint), so row-level security
/// and the audit trail see the request's own user.
final class WriteCombiner: Sendable {
    /// A write waiting for a leader to run it.
    private struct Waiter: Sendable {
        let scope: TenantDatabase.Scope
        let body: @Sendable (PostgresConnection) async throws -> any Sendable
        let continuation: CheckedContinuation<Outcome, Never>
    }

    private enum Outcome: Sendable {
        case done(Result<any Sendable, any Error>)
        /// The batch before is done: this write leads the next one.
        case lead
    }

    /// A batch's member: its scope and body, and how to hand it its result.
    private struct Member {
        let scope: TenantDatabase.Scope
        let body: @Sendable (PostgresConnection) async throws -> any Sendable
        let waiter: Waiter?
    }

    /// Writes waiting per tenant; a tenant with an entry (even empty) has a batch running.
    private let queues = Mutex<[UUID: [Waiter]]>([:])
    private let batches = Atomic<Int>(0)
    private let writes = Atomic<Int>(0)
    let maximumBatch: Int

    /// Transactions run, and the writes they carried (on /metrics).
    var statistics: (batches: Int, writes: Int) { (batches.load(ordering: .relaxed), writes.load(ordering: .relaxed)) }

    init(maximumBatch: Int = 32) {
        self.maximumBatch = max(1, maximumBatch)
    }

    func write<T: Sendable>(_ scope: TenantDatabase.Scope, on database: TenantDatabase,
                            _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        guard let tenant = scope.tenantID else { return try await database.transaction(scope, body) }
        let erased: @Sendable (PostgresConnection) async throws -> any Sendable = { try await body($0) }
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
            let leads = queues.withLock { queues -> Bool in
                if queues[tenant] != nil {
                    queues[tenant]?.append(Waiter(scope: scope, body: erased, continuation: continuation))
                    return false
                }
                queues[tenant] = []
                return true
            }
            if leads { continuation.resume(returning: .lead) }
        }
        let result: Result<any Sendable, any Error>
        switch outcome {
        case .done(let done):
            result = done
        case .lead:
            // The batch is other requests' too: it runs in a task of its own, which a client
            // hanging up on this request does not cancel (on this loop, if any).
            let first = Member(scope: scope, body: erased, waiter: nil)
            result = await Task(executorPreference: EventLoop.current) { await self.lead(tenant, first: first, on: database) }.value
        }
        guard let value = try result.get() as? T else { throw PostgresError(.client, "a combined write returned another type") }
        return value
    }

    /// Runs `first` and what queued behind it as one batch, answers the others, and hands the
    /// lead to the next write waiting, if any. Returns `first`'s result.
    private func lead(_ tenant: UUID, first: Member, on database: TenantDatabase) async -> Result<any Sendable, any Error> {
        let queued = queues.withLock { queues -> [Waiter] in
            let waiting = queues[tenant] ?? []
            let taken = Array(waiting.prefix(maximumBatch - 1))
            queues[tenant] = Array(waiting.dropFirst(taken.count))
            return taken
        }
        let members = [first] + queued.map { Member(scope: $0.scope, body: $0.body, waiter: $0) }
        batches.add(1, ordering: .relaxed)
        writes.add(members.count, ordering: .relaxed)
        var results = await run(members, tenant: tenant, on: database)
        // Serialization failures and deadlocks: again alone, with the pool's retries.
        for (index, member) in members.enumerated() {
            if case .failure(let error as PostgresError) = results[index], error.isRetryable {
                do { results[index] = .success(try await database.transaction(member.scope, member.body)) } catch { results[index] = .failure(error) }
            }
        }
        for (index, member) in members.enumerated() { member.waiter?.continuation.resume(returning: .done(results[index])) }
        let next = queues.withLock { queues -> Waiter? in
            guard var waiting = queues[tenant], !waiting.isEmpty else {
                queues[tenant] = nil
                return nil
            }
            let next = waiting.removeFirst()
            queues[tenant] = waiting
            return next
        }
        if let next { next.continuation.resume(returning: .lead) }
        return results[0]
    }

    /// One transaction: each member in a savepoint under its own scope; one COMMIT. A write
    /// alone needs no savepoint: its error rolls the transaction back.
    private func run(_ members: [Member], tenant: UUID, on database: TenantDatabase) async -> [Result<any Sendable, any Error>] {
        let alone = members.count == 1
        do {
            let results = try await database.pool.transaction(afterCommit: TenantDatabase.notifyChanges) { connection in
                var results: [Result<any Sendable, any Error>] = []
                for member in members {
                    if !alone { try await connection.queryLater("SAVEPOINT combined_write") }
                    try await connection.queryLater(TenantDatabase.opening(member.scope, notifyAfterCommit: true))
                    if alone {
                        results.append(.success(try await member.body(connection)))
                        continue
                    }
                    do {
                        let value = try await member.body(connection)
                        if connection.hasUnreadStatements {
                            // Waited for: it reads what the body sent with `queryLater`, so an
                            // error there is this write's, not the next one's.
                            try await connection.query("RELEASE SAVEPOINT combined_write")
                        } else {
                            // Everything of the body was answered: releasing a savepoint of a
                            // healthy transaction cannot fail, so it rides with the next write.
                            try await connection.queryLater("RELEASE SAVEPOINT combined_write")
                        }
                        results.append(.success(value))
                    } catch {
                        // A lost connection ends the batch: nothing of it was committed.
                        if let lost = error as? PostgresError, lost.isConnectionLoss { throw lost }
                        try await connection.query("ROLLBACK TO SAVEPOINT combined_write")
                        connection.forgetRemembered()
                        results.append(.failure(error))
                    }
                }
                return results
            }
            database.pages?.changed(tenant)
            return results
        } catch {
            // The commit failed (or the connection did, or the write alone): nothing was kept.
            return members.map { _ in .failure(error) }
        }
    }
}
