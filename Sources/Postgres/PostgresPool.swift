import Dispatch
public import Logging
import Synchronization

/// A bounded pool of connections.
///
/// - At most `maxConnections` are open; a caller beyond that waits, and after
///   `acquireTimeout` gets a clear `poolTimeout` error instead of hanging.
/// - A connection that broke is closed and replaced; when one breaks, idle ones are checked
///   before reuse, so the pool heals by itself after the server restarts.
/// - A connection comes back with no transaction open, or it is discarded.
public final class PostgresPool: Sendable {
    public struct Configuration: Sendable {
        public var connectionString: String
        public var maxConnections: Int = 10
        public var acquireTimeout: Duration = .seconds(5)
        public var connectTimeoutSeconds: Int = 5
        public var applicationName: String = "centralita"
        /// SQL run once on every new connection before it is used (e.g. `SET ROLE …`). A
        /// failure fails the connection: it is never handed out half set up.
        public var sessionSetup: String?
        /// How often `transaction` runs its body again after a serialization failure or deadlock.
        public var serializationRetries = 3
        /// `statement_timeout`: a statement running longer is cancelled by the server (nil: none).
        public var statementTimeout: Duration?
        /// `idle_in_transaction_session_timeout`: a connection left idle inside a transaction
        /// this long is closed by the server, releasing its locks (nil: none).
        public var idleInTransactionTimeout: Duration?
        /// TCP keepalives on the connection, so a half-open connection (the server's host
        /// vanished) is noticed within about `keepaliveIdleSeconds + 3 × 10` seconds.
        public var keepaliveIdleSeconds: Int? = 30

        public init(connectionString: String, maxConnections: Int = 10) {
            self.connectionString = connectionString
            self.maxConnections = maxConnections
        }
    }

    public struct Statistics: Sendable, Equatable {
        public var inUse: Int
        public var idle: Int
        public var waiting: Int
        /// Round trips awaited on an HTTP event loop (the fast path) and on a connection's own
        /// thread (background work, simple queries, COPY), since the pool started.
        public var waitsOnLoop = 0
        public var waitsOnConnectionThread = 0
    }

    private struct Waiter {
        let continuation: CheckedContinuation<PostgresConnection, any Error>
        /// When it gives up (waiters queue in order, so the first is always the next due).
        let deadline: DispatchTime
    }

    private struct State {
        var idle: [PostgresConnection] = []
        var open = 0
        var waiters: [Waiter] = []
        var closed = false
        /// Whether the expiry timer is set for the first waiter's deadline.
        var expiryArmed = false
        var inUse: Int { open - idle.count }
    }

    public let configuration: Configuration
    private let state = Mutex(State())
    private let logger: Logger
    private let paths = WaitPaths()

    /// One timer for every waiter's deadline, set for the first one's only while someone
    /// waits. (A timer per waiter left thousands of them pending under load: memory and a
    /// Dispatch hand-off per request.)
    private let expiry: UncheckedTimer

    public init(_ configuration: Configuration, logger: Logger = Logger(label: "postgres")) {
        self.configuration = configuration
        self.logger = logger
        self.expiry = UncheckedTimer(DispatchSource.makeTimerSource(queue: .global()))
        expiry.timer.setEventHandler { [weak self] in self?.expireWaiters() }
        expiry.timer.schedule(deadline: .distantFuture)
        expiry.timer.resume()
    }

    deinit { expiry.timer.cancel() }

    public var statistics: Statistics {
        var statistics = state.withLock { Statistics(inUse: $0.inUse, idle: $0.idle.count, waiting: $0.waiters.count) }
        statistics.waitsOnLoop = paths.onLoop.load(ordering: .relaxed)
        statistics.waitsOnConnectionThread = paths.onConnectionThread.load(ordering: .relaxed)
        return statistics
    }

    // MARK: Using connections

    /// Lends a connection to `body` and takes it back afterwards, whatever happens.
    @discardableResult
    public func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await acquire()
        do {
            let result = try await body(connection)
            await release(connection)
            return result
        } catch {
            await release(connection)
            throw error
        }
    }

    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> PostgresRows {
        try await withConnection { try await $0.query(query) }
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    /// A serialization failure or deadlock (40001, 40P01) rolls back and runs `body` again, up
    /// to `Configuration.serializationRetries` times with a short random pause: the database
    /// asks for exactly that, and `body` only talks to the database (side effects come after
    /// the commit), so running it again is safe.
    ///
    /// - Parameters:
    ///   - repeatableRead: every statement sees the same snapshot (reports that read several
    ///     tables and must agree with each other).
    ///   - readOnly: the transaction only reads (PostgreSQL refuses writes in it); it costs one
    ///     round trip per statement and its end is not waited for.
    ///   - opening: statements that open the transaction (e.g. setting its scope); they go out
    ///     in the same write as the body's first statement.
    ///   - openingSetsReadOnly: the opening statements already turn `transaction_read_only` on
    ///     (one statement fewer per read); otherwise a read-only transaction gets its own.
    ///   - afterCommit: a statement sent with `COMMIT`, in the same write but in a transaction of
    ///     its own (work that must not hold the transaction's locks, such as NOTIFY); its
    ///     failure does not fail the committed transaction.
    @discardableResult
    public func transaction<T: Sendable>(repeatableRead: Bool = false, readOnly: Bool = false, opening: [PostgresQuery] = [],
                                         openingSetsReadOnly: Bool = false, afterCommit: String? = nil,
                                         _ body: (PostgresConnection) async throws -> T) async throws -> T {
        var attempt = 0
        var reconnects = 0
        while true {
            do {
                return try await transactionOnce(repeatableRead: repeatableRead, readOnly: readOnly, opening: opening,
                                                  openingSetsReadOnly: openingSetsReadOnly, afterCommit: afterCommit, body)
            } catch let error as PostgresError where error.isRetryable && attempt < configuration.serializationRetries {
                attempt += 1
                logger.debug("retrying a transaction", metadata: ["sqlState": .string(error.sqlState ?? ""), "attempt": .stringConvertible(attempt)])
                try await Task.sleep(for: .milliseconds(Int.random(in: 5...(20 * attempt))))
            } catch let failure as NotCommitted {
                // The connection died under the transaction (the server restarted since it was
                // checked) before COMMIT went out: nothing of it took effect, so another
                // connection is safe. A loss during COMMIT is the caller's error (unknown outcome).
                guard reconnects < configuration.maxConnections else { throw failure.error }
                reconnects += 1
                logger.debug("transaction begun again on another connection", metadata: ["error": "\(failure.error)"])
            }
        }
    }

    /// The connection was lost before the transaction's COMMIT was sent: PostgreSQL rolled
    /// back whatever of it arrived, so running it again on another connection is safe.
    private struct NotCommitted: Error { let error: PostgresError }

    private func transactionOnce<T: Sendable>(repeatableRead: Bool, readOnly: Bool, opening: [PostgresQuery], openingSetsReadOnly: Bool,
                                              afterCommit: String?, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await withConnection { connection in
            if readOnly && !repeatableRead {
                connection.startTransaction(readOnly: true, opening: openingSetsReadOnly
                                            ? opening : opening + ["SELECT set_config('transaction_read_only', 'on', true)"])
            } else {
                connection.startTransaction(readOnly: false, begin: repeatableRead ? "BEGIN ISOLATION LEVEL REPEATABLE READ" : "BEGIN",
                                            opening: opening, afterCommit: afterCommit)
            }
            let result: T
            do {
                result = try await body(connection)
            } catch {
                try? await connection.finishTransaction(commit: false)
                if let lost = error as? PostgresError, lost.isConnectionLoss { throw NotCommitted(error: lost) }
                throw error
            }
            do {
                try await connection.finishTransaction(commit: true)
            } catch {
                try? await connection.finishTransaction(commit: false)
                throw error
            }
            return result
        }
    }

    // MARK: Acquire and release

    func acquire() async throws -> PostgresConnection {
        while true {
            enum Next { case reuse(PostgresConnection), connect, wait }
            let next: Next = try state.withLock { s in
                if s.closed { throw PostgresError(.poolClosed, "the database pool is shut down") }
                if let connection = s.idle.popLast() { return .reuse(connection) }
                if s.open < configuration.maxConnections {
                    s.open += 1
                    return .connect
                }
                return .wait
            }
            switch next {
            case .reuse(let connection):
                if connection.isHealthy() { return connection }
                discard(connection, reason: "stale")
            case .connect:
                do {
                    return try await connect()
                } catch {
                    slotFreed()
                    throw error
                }
            case .wait:
                let connection = try await waitForConnection()
                if connection.isHealthy() { return connection }
                discard(connection, reason: "stale")
            }
        }
    }

    private func connect() async throws -> PostgresConnection {
        let connection = try await PostgresConnection.connect(
            configuration.connectionString, connectTimeout: configuration.connectTimeoutSeconds,
            applicationName: configuration.applicationName, keepaliveIdleSeconds: configuration.keepaliveIdleSeconds)
        connection.paths = paths
        var limits: [String] = []
        if let t = configuration.statementTimeout { limits.append("SET statement_timeout = \(Self.milliseconds(t))") }
        if let t = configuration.idleInTransactionTimeout { limits.append("SET idle_in_transaction_session_timeout = \(Self.milliseconds(t))") }
        if !limits.isEmpty { try await connection.simpleQuery(limits.joined(separator: "; ")) }
        if let setup = configuration.sessionSetup { try await connection.simpleQuery(setup) }
        return connection
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }

    /// Waits, up to the timeout, for a released connection or one opened for this waiter when
    /// another was discarded.
    private func waitForConnection() async throws -> PostgresConnection {
        let timeout = configuration.acquireTimeout
        return try await withCheckedThrowingContinuation { continuation in
            state.withLock { s in
                let deadline = DispatchTime.now() + timeout.dispatchInterval
                s.waiters.append(Waiter(continuation: continuation, deadline: deadline))
                if !s.expiryArmed {
                    s.expiryArmed = true
                    expiry.timer.schedule(deadline: deadline, leeway: .milliseconds(10))
                }
            }
        }
    }

    /// Fails the waiters whose time is up, and sets the timer for the next one (if any).
    private func expireWaiters() {
        let now = DispatchTime.now()
        let expired = state.withLock { s -> [Waiter] in
            var expired: [Waiter] = []
            while let first = s.waiters.first, first.deadline <= now { expired.append(s.waiters.removeFirst()) }
            if let next = s.waiters.first {
                expiry.timer.schedule(deadline: next.deadline, leeway: .milliseconds(10))
            } else {
                s.expiryArmed = false
            }
            return expired
        }
        let timeout = configuration.acquireTimeout
        for waiter in expired {
            waiter.continuation.resume(throwing: PostgresError(
                .poolTimeout, "no database connection became free within \(timeout) (all \(configuration.maxConnections) in use)"))
        }
    }

    private func release(_ connection: PostgresConnection) async {
        if !connection.isBroken, connection.hasForeignTransaction() {
            // A caller left a transaction open; roll it back or give the connection up.
            if (try? await connection.simpleQuery("ROLLBACK")) == nil { connection.markBroken() }
        }
        if connection.isBroken {
            discard(connection, reason: "broken")
            return
        }
        let waiter: Waiter? = state.withLock { s in
            if s.closed { return nil }
            if !s.waiters.isEmpty { return s.waiters.removeFirst() }
            s.idle.append(connection)
            return nil
        }
        if let waiter {
            waiter.continuation.resume(returning: connection)
        } else if state.withLock({ $0.closed }) {
            discard(connection, reason: "pool closed")
        }
    }

    /// Closes a connection and frees its slot, waking a waiter to open a fresh one.
    private func discard(_ connection: PostgresConnection, reason: String) {
        logger.debug("closing database connection", metadata: ["connection": "\(connection.id)", "reason": "\(reason)"])
        slotFreed()
    }

    /// A slot is free (its connection was discarded, or opening one failed): the first waiter
    /// takes it and opens a connection of its own. If that fails too, the waiter gets the error
    /// and the slot passes on, so while the server is down every waiter hears so at once
    /// instead of waiting out `acquireTimeout` behind callers that came later.
    private func slotFreed() {
        let waiter: Waiter? = state.withLock { s in
            if s.waiters.isEmpty {
                s.open -= 1
                return nil
            }
            return s.waiters.removeFirst()
        }
        guard let waiter else { return }
        Task {
            do {
                waiter.continuation.resume(returning: try await self.connect())
            } catch {
                self.slotFreed()
                waiter.continuation.resume(throwing: error)
            }
        }
    }

    /// Closes idle connections and refuses new work; connections in use close on release.
    public func shutdown() {
        let (idle, waiters) = state.withLock { s -> ([PostgresConnection], [Waiter]) in
            s.closed = true
            defer { s.open -= s.idle.count; s.idle = []; s.waiters = [] }
            return (s.idle, s.waiters)
        }
        _ = idle
        waiters.forEach { $0.continuation.resume(throwing: PostgresError(.poolClosed, "the database pool is shut down")) }
    }
}

/// A Dispatch timer held by a Sendable type (its calls are thread-safe).
private struct UncheckedTimer: @unchecked Sendable {
    let timer: any DispatchSourceTimer
    init(_ timer: any DispatchSourceTimer) { self.timer = timer }
}

extension Duration {
    var dispatchInterval: DispatchTimeInterval {
        let (seconds, attoseconds) = components
        return .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
    }
}
