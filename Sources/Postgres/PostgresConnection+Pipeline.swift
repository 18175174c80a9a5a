import CLibPQ
import Glibc

/// How a pool transaction runs on the wire (libpq pipeline mode), so that a tenant request
/// costs one round trip per statement and nothing more:
///
/// - `.readOnly`: no `BEGIN`. The transaction's opening statements (the tenant scope) and its
///   first query leave in one write; every statement is followed by a flush request, not a
///   sync, so they all stay in one implicit transaction, read-only by setting. It ends with a
///   sync the connection does not wait for: the next statement on the connection reads it.
/// - `.readWrite`: `BEGIN` and the opening statements go out with the first query, each
///   statement ends with a sync (so PostgreSQL's idle-in-transaction timeout still guards the
///   locks it holds), and `COMMIT` is waited for: a write is acknowledged only once committed.
struct PipelineTransaction {
    enum Mode { case readOnly, readWrite(begin: String) }
    let mode: Mode
    /// Statements not sent yet: they precede the transaction's first statement.
    var opening: [PostgresQuery]
    /// A statement sent right after `COMMIT`, in the same write, in a transaction of its own
    /// (so it holds none of the transaction's locks); its answer is read with COMMIT's, and
    /// its failure is not the transaction's.
    var afterCommit: String? = nil
    var begun = false
    /// Statements sent with `queryLater` whose results are read with the next statement's, or
    /// with `COMMIT`'s.
    var unread: [PostgresConnection.Expected] = []
    /// The first error of a read-only transaction: PostgreSQL skips everything after it until
    /// the sync, so later statements fail here at once, as they would in any aborted transaction.
    var failure: PostgresError?
    /// What the transaction's own statements know of rows it holds locked (`remember`).
    var remembered: [String: any Sendable] = [:]
}

extension PostgresConnection {
    enum Command {
        case prepared(PostgresQuery)
        case text(String)
    }

    /// What one result read back stands for.
    enum Expected {
        /// The statement's own rows.
        case own
        /// A Parse: on success the statement is cached under `key`.
        case parse(key: String, name: String)
        /// Housekeeping (DEALLOCATE ALL).
        case housekeeping
    }

    // MARK: Transactions (called by the pool)

    /// Opens a transaction lazily: nothing is sent until the first statement.
    func startTransaction(readOnly: Bool, begin: String = "BEGIN", opening: [PostgresQuery], afterCommit: String? = nil) {
        transaction = PipelineTransaction(mode: readOnly ? .readOnly : .readWrite(begin: begin), opening: opening, afterCommit: afterCommit)
    }

    /// Commits (waiting for the server's answer unless the transaction was read-only) or
    /// rolls back (never waiting: the next statement on the connection reads the answer).
    func finishTransaction(commit: Bool) async throws {
        guard let current = transaction else { return }
        transaction = nil
        guard current.begun else { return }
        switch current.mode {
        case .readOnly:
            // A sync (five bytes) is sent right here: the connection is this task's, and
            // nothing waits for the answer.
            try endWithoutWaiting(rollback: false)
            if commit, let failure = current.failure { throw failure }
        case .readWrite:
            guard commit else {
                try endWithoutWaiting(rollback: true)
                return
            }
            try await runWithoutBlocking {
                try self.send(.text("COMMIT"))
                guard PQpipelineSync(self.conn) == 1 else { throw self.sendFailure() }
                if let after = current.afterCommit {
                    _ = try self.send(.text(after))
                    guard PQpipelineSync(self.conn) == 1 else { throw self.sendFailure() }
                }
                try self.flush()
                // Statements sent with `queryLater` answer first; if one failed, PostgreSQL
                // skipped the COMMIT and the transaction is rolled back when the connection
                // is given back (it is left in its failed block).
                var failure = try await self.readResults(current.unread + [.own]).firstError
                if let error = try await self.readSync() { failure = failure ?? error }
                // Read at once, so the write is answered only once the statement after it
                // (a notification) has run. Its failure, even the connection's (then marked
                // broken and not reused), cannot undo the commit.
                if current.afterCommit != nil { _ = try? await self.readSync() }
                if let failure { throw failure }
            }
        }
    }

    /// Ends the transaction and leaves its answer for the next statement to read.
    private func endWithoutWaiting(rollback: Bool) throws {
        if rollback { try send(.text("ROLLBACK")) }
        guard PQpipelineSync(conn) == 1 else { throw sendFailure() }
        try flush()
        owedSyncs += 1
    }

    /// Whether statements sent with `queryLater` still wait for their answers (read with the
    /// next statement or COMMIT).
    public var hasUnreadStatements: Bool { !(transaction?.unread.isEmpty ?? true) }

    // MARK: What a transaction remembers

    /// Keeps `value` until the transaction ends: what a repository knows of a row this
    /// transaction locked and changed, so that a later change of the same row in it (writes
    /// combined into one transaction) need not read the row again. Outside a transaction it
    /// keeps nothing.
    public func remember(_ key: String, _ value: any Sendable) {
        transaction?.remembered[key] = value
    }

    /// What `remember` kept under `key` in this transaction.
    public func remembered(_ key: String) -> (any Sendable)? {
        transaction?.remembered[key]
    }

    /// Forgets everything remembered: after rolling back to a savepoint, what was kept since
    /// may no longer be true.
    public func forgetRemembered() {
        transaction?.remembered = [:]
    }

    // MARK: Statements

    /// Sends what the transaction still owes plus `command` in one write and returns
    /// `command`'s rows.
    func executePipelined(_ command: Command, retryStalePlan: Bool = true) async throws -> PostgresRows {
        try await drainOwedSyncs()
        try enterPipelineMode()
        if let failure = transaction?.failure {
            throw PostgresError(.server, "the transaction was aborted by an earlier error: \(failure.message)", sqlState: "25P02")
        }
        var before: [Command] = []
        if var current = transaction, !current.begun {
            if case .readWrite(let begin) = current.mode { before.append(.text(begin)) }
            before += current.opening.map(Command.prepared)
            current.opening = []
            current.begun = true
            transaction = current
        }
        // What `queryLater` sent answers before this statement.
        var expected = transaction?.unread ?? []
        transaction?.unread = []
        let ownIndex = before.count
        for (index, item) in (before + [command]).enumerated() {
            expected += try send(item).map { entry in
                if case .own = entry, index != ownIndex { return .housekeeping }
                return entry
            }
        }
        let readOnly: Bool
        if case .readOnly = transaction?.mode { readOnly = true } else { readOnly = false }
        if readOnly {
            guard PQsendFlushRequest(conn) == 1 else { throw sendFailure() }
        } else {
            guard PQpipelineSync(conn) == 1 else { throw sendFailure() }
        }
        try flush()

        var (rows, firstError) = try await readResults(expected)
        if !readOnly, let error = try await readSync() { firstError = firstError ?? error }
        if let firstError {
            if readOnly { transaction?.failure = firstError }
            if firstError.isStalePlan {
                forgetStatements()
                // On its own, the statement can simply be prepared again.
                if transaction == nil, retryStalePlan { return try await executePipelined(command, retryStalePlan: false) }
            }
            throw firstError
        }
        guard let rows else { throw PostgresError(.client, "no result for the statement") }
        return rows
    }

    /// Sends `query` inside a read-write transaction without waiting for its answer, which is
    /// read (and its error thrown) with the transaction's next statement or its `COMMIT`. For
    /// statements whose result nobody reads (an audit row): a write then holds its locks one
    /// round trip less. It is only queued in libpq's buffer and leaves in the same write to the
    /// server as the next statement (or `COMMIT`, or the rollback): one system call and one
    /// wake-up of the server's backend for them all, instead of one each. Anywhere else it is
    /// an ordinary `query`.
    public func queryLater(_ query: PostgresQuery) async throws {
        guard let current = transaction, current.begun, current.failure == nil, case .readWrite = current.mode, !isBroken else {
            try await self.query(query)
            return
        }
        if Task.isCancelled { throw PostgresError.cancelledBeforeSending }
        // Nobody reads its rows: only a Parse it needed is remembered.
        let expected = try send(.prepared(query)).map { entry -> Expected in
            if case .own = entry { return .housekeeping }
            return entry
        }
        transaction?.unread += expected
    }

    /// Queues one command (and its Parse, the first time a prepared statement is seen on this
    /// connection). Returns what each result to read back stands for.
    @discardableResult
    func send(_ command: Command) throws -> [Expected] {
        switch command {
        case .text(let sql):
            guard PQsendQueryParams(conn, sql, 0, nil, nil, nil, nil, 0) == 1 else { throw sendFailure() }
            return [.own]
        case .prepared(let query):
            // strdup would cut a value at its first NUL: refuse it rather than store less than asked.
            if query.binds.contains(where: { $0.text?.utf8.contains(0) == true }) {
                throw PostgresError(.client, "a text value holds a NUL character, which PostgreSQL cannot store", sqlState: "22021")
            }
            var results: [Expected] = []
            let key = query.sql + "\u{0}" + query.binds.map { String($0.oid) }.joined(separator: ",")
            let name: String
            if let existing = statements[key] {
                name = existing
            } else {
                if statements.count >= Self.statementCacheLimit {
                    guard PQsendQueryParams(conn, "DEALLOCATE ALL", 0, nil, nil, nil, nil, 0) == 1 else { throw sendFailure() }
                    statements.removeAll()
                    results.append(.housekeeping)
                }
                nextStatement += 1
                name = "s\(nextStatement)"
                var types = query.binds.map { Oid($0.oid) }
                guard PQsendPrepare(conn, name, query.sql, Int32(query.binds.count), &types) == 1 else { throw sendFailure() }
                results.append(.parse(key: key, name: name))
            }
            let sent = withBindValues(query.binds) { values in
                PQsendQueryPrepared(conn, name, Int32(query.binds.count), values, nil, nil, 0)
            }
            guard sent == 1 else { throw sendFailure() }
            return results + [.own]
        }
    }

    // MARK: Reading

    enum Outcome {
        case rows(PostgresRows)
        case failure(PostgresError)
        /// PostgreSQL skipped the command after an earlier error.
        case skipped
    }

    /// Reads the results `expected` stands for, in order: the rows of the one `.own` among
    /// them, and the first error.
    func readResults(_ expected: [Expected]) async throws -> (rows: PostgresRows?, firstError: PostgresError?) {
        var rows: PostgresRows?
        var firstError: PostgresError?
        for entry in expected {
            switch try await readResult() {
            case .rows(let result):
                switch entry {
                case .own: rows = result
                case .parse(let key, let name): statements[key] = name
                case .housekeeping: break
                }
            case .failure(let error): firstError = firstError ?? error
            case .skipped: break
            }
        }
        return (rows, firstError)
    }

    /// Reads one command's result and the NULL that closes it.
    func readResult() async throws -> Outcome {
        try await awaitInput()
        guard let result = PQgetResult(conn) else { throw lostConnection() }
        let outcome: Outcome
        switch PQresultStatus(result) {
        case PGRES_PIPELINE_ABORTED:
            PQclear(result)
            outcome = .skipped
        case PGRES_PIPELINE_SYNC:
            PQclear(result)
            markBroken()
            throw PostgresError(.client, "the connection's pipeline is out of step")
        default:
            do { outcome = .rows(try check(result)) } catch let error as PostgresError {
                if isBroken { throw error }
                outcome = .failure(error)
            }
        }
        try await awaitInput()
        if let extra = PQgetResult(conn) {
            PQclear(extra)
            markBroken()
            throw PostgresError(.client, "a statement returned more than one result")
        }
        return outcome
    }

    /// Reads results up to the next sync point; returns the first error among them.
    func readSync() async throws -> PostgresError? {
        var firstError: PostgresError?
        var nulls = 0
        while true {
            try await awaitInput()
            guard let result = PQgetResult(conn) else {
                nulls += 1
                // Two NULLs in a row: nothing more is coming, the count is wrong.
                if nulls > 1 { throw lostConnection() }
                continue
            }
            nulls = 0
            switch PQresultStatus(result) {
            case PGRES_PIPELINE_SYNC:
                PQclear(result)
                return firstError
            case PGRES_PIPELINE_ABORTED, PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
                PQclear(result)
            default:
                let error = serverError(result)
                PQclear(result)
                if PQstatus(conn) != CONNECTION_OK { markBroken(); throw error }
                firstError = firstError ?? error
            }
        }
    }

    /// Reads what finished transactions left behind.
    func drainOwedSyncs() async throws {
        while owedSyncs > 0 {
            _ = try await readSync()
            owedSyncs -= 1
        }
    }

    func enterPipelineMode() throws {
        guard !inPipelineMode else { return }
        guard PQenterPipelineMode(conn) == 1 else { throw sendFailure() }
        inPipelineMode = true
    }

    /// Back to one statement at a time (simple queries, COPY).
    func leavePipelineMode() async throws {
        try await drainOwedSyncs()
        guard inPipelineMode else { return }
        guard PQexitPipelineMode(conn) == 1 else { throw sendFailure() }
        inPipelineMode = false
    }

    func flush() throws {
        while true {
            switch PQflush(conn) {
            case 0: return
            case 1:
                var descriptor = pollfd(fd: PQsocket(conn), events: Int16(POLLOUT), revents: 0)
                _ = poll(&descriptor, 1, 1000)
            default: throw sendFailure()
            }
        }
    }

    /// After a schema change: every cached plan may be stale; name statements afresh.
    func forgetStatements() {
        statements.removeAll()
    }

    func sendFailure() -> PostgresError {
        markBroken()
        return PostgresError(.connection, "could not send to PostgreSQL: " + lastError())
    }

    func lostConnection() -> PostgresError {
        markBroken()
        return PostgresError(.connection, "lost the connection to PostgreSQL: " + lastError())
    }
}
