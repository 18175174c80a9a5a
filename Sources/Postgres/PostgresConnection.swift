import CLibPQ
import Dispatch
import Foundation
import Synchronization

/// One libpq connection, used by one task at a time (the pool guarantees it). A statement
/// awaited on an HTTP event loop is sent from the loop and its answer read when the loop sees
/// the socket readable; anywhere else, and for calls that block in libpq (simple queries,
/// COPY), the work runs on the connection's own serial Dispatch queue — never on Swift's
/// cooperative pool.
public final class PostgresConnection: @unchecked Sendable {
    // `conn` and the pipeline state are touched by one user at a time: the task that holds
    // the connection, on its event loop or on `executor` (where libpq may block).
    let conn: OpaquePointer
    /// Where statements that block run (see PostgresConnection+Waiting.swift).
    let executor: QueueExecutor
    /// The pool's tally of where this connection's round trips were awaited.
    var paths: WaitPaths?
    var statements: [String: String] = [:]
    var nextStatement = 0
    /// The transaction the pool opened on this connection and how far it got (see
    /// PostgresConnection+Pipeline.swift).
    var transaction: PipelineTransaction?
    /// `PQpipelineSync`s sent whose results were not read yet: a finished read-only
    /// transaction does not wait for its end; the next statement reads it first.
    var owedSyncs = 0
    var inPipelineMode = false
    /// Set once a command failed in a way that leaves the connection unusable.
    private var broken = false
    /// Set when a cancel request was sent: it may land on a later statement, so the
    /// connection is not used again.
    private let cancelIssued = Atomic<Bool>(false)
    /// libpq's handle for cancelling the running statement from another thread.
    private let cancelHandle: OpaquePointer?
    public private(set) var isBroken: Bool {
        get { broken || cancelIssued.load(ordering: .acquiring) }
        set { broken = newValue }
    }
    public let id: Int

    static let statementCacheLimit = 512
    private static let counter = Counter()

    private init(conn: OpaquePointer, id: Int) {
        self.conn = conn
        self.id = id
        self.executor = QueueExecutor(DispatchQueue(label: "postgres.connection.\(id)"))
        self.cancelHandle = PQgetCancel(conn)
    }

    deinit {
        if let cancelHandle { PQfreeCancel(cancelHandle) }
        PQfinish(conn)
    }

    /// Asks the server to stop the statement running on this connection (`PQcancel`, safe
    /// from any thread). The connection is then retired: a cancel that arrives late could
    /// otherwise stop someone else's statement.
    func cancelRunningStatement() {
        guard let cancelHandle, !cancelIssued.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var error = [CChar](repeating: 0, count: 256)
        _ = PQcancel(cancelHandle, &error, Int32(error.count))
    }

    /// Connects (on a Dispatch thread) and puts the session in the codec's expected settings:
    /// UTC, ISO dates, hex bytea.
    /// With `keepaliveIdleSeconds`, TCP keepalives probe an idle connection after that many
    /// seconds, then every 10 s, and give up after 3 unanswered probes.
    public static func connect(_ connectionString: String, connectTimeout: Int = 5, applicationName: String = "centralita",
                               keepaliveIdleSeconds: Int? = nil) async throws -> PostgresConnection {
        let id = counter.next()
        let connection: PostgresConnection = try await withCheckedThrowingContinuation { continuation in
            // A fresh serial queue: connecting blocks, and serial queues get overcommit threads.
            DispatchQueue(label: "postgres.connect").async {
                var keywords = ["dbname", "connect_timeout", "application_name"]
                var values = [connectionString, String(connectTimeout), applicationName]
                if let idle = keepaliveIdleSeconds {
                    keywords += ["keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count"]
                    values += ["1", String(idle), "10", "3"]
                }
                let conn = withArrayOfCStrings(keywords) { k in
                    withArrayOfCStrings(values) { v in PQconnectdbParams(k, v, 1) }
                }
                guard let conn else {
                    continuation.resume(throwing: PostgresError(.connection, "could not allocate a libpq connection"))
                    return
                }
                guard PQstatus(conn) == CONNECTION_OK else {
                    let message = String(cString: PQerrorMessage(conn)).trimmingCharacters(in: .whitespacesAndNewlines)
                    PQfinish(conn)
                    continuation.resume(throwing: PostgresError(.connection, "cannot connect to PostgreSQL: \(message)"))
                    return
                }
                // Server NOTICEs ("relation already exists, skipping") are not errors; libpq
                // would print them on stderr.
                PQsetNoticeProcessor(conn, { _, _ in }, nil)
                continuation.resume(returning: PostgresConnection(conn: conn, id: id))
            }
        }
        try await connection.simpleQuery("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET bytea_output = 'hex'; SET IntervalStyle = 'iso_8601'")
        return connection
    }

    // MARK: Queries

    /// Runs a parameterised statement as a prepared statement, preparing it on first use on
    /// this connection. Inside a pool transaction it goes out in the same round trip as
    /// whatever the transaction still has to send (its `BEGIN` and scope settings).
    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> PostgresRows {
        // A task cancelled already (its client went away, the server shuts down) starts nothing.
        if Task.isCancelled { throw PostgresError.cancelledBeforeSending }
        return try await runWithoutBlocking { try await self.executePipelined(.prepared(query)) }
    }

    /// Runs SQL text with no parameters through the simple-query protocol (several statements
    /// allowed). For migrations and session commands only. Inside a pool transaction the text
    /// must be one statement; it is sent like a query.
    @discardableResult
    public func simpleQuery(_ sql: String) async throws -> PostgresRows {
        try await run {
            if self.transaction != nil { return try await self.executePipelined(.text(sql)) }
            try await self.leavePipelineMode()
            let result = PQexec(self.conn, sql)
            return try self.check(result)
        }
    }

    /// Sets a transaction-local setting (`SET LOCAL name = value`) with the value bound, so it
    /// cannot inject SQL.
    public func setLocal(_ name: String, _ value: String) async throws {
        try await query("SELECT set_config(\(name), \(value), true)")
    }

    /// Loads rows with `COPY … FROM STDIN` (text format). Returns the number of rows copied.
    @discardableResult
    public func copyFrom(table: String, columns: [String], rows: some Sequence<[String?]> & Sendable) async throws -> Int {
        let sql = "COPY \(Self.quoteIdentifier(table)) (\(columns.map(Self.quoteIdentifier).joined(separator: ", "))) FROM STDIN"
        let columnCount = columns.count
        return try await run {
            guard self.transaction == nil else { throw PostgresError(.client, "COPY cannot run inside a pool transaction") }
            try await self.leavePipelineMode()
            var begin = PQexec(self.conn, sql)
            guard let started = begin, PQresultStatus(started) == PGRES_COPY_IN else {
                _ = try self.check(begin)
                throw PostgresError(.client, "COPY did not start")
            }
            PQclear(started)
            begin = nil
            var buffer: [UInt8] = []
            buffer.reserveCapacity(64 * 1024)
            var failure: String?
            for row in rows {
                guard row.count == columnCount else {
                    failure = "a row has \(row.count) values for \(columnCount) columns"
                    break
                }
                for (i, value) in row.enumerated() {
                    if i > 0 { buffer.append(9) }
                    if let value { Self.appendCopyEscaped(value, to: &buffer) } else { buffer.append(contentsOf: [92, 78]) }
                }
                buffer.append(10)
                if buffer.count >= 60 * 1024 {
                    guard self.putCopyData(buffer) else { break }
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            if failure == nil && !buffer.isEmpty { _ = self.putCopyData(buffer) }
            PQputCopyEnd(self.conn, failure)
            var last: PostgresRows?
            var error: (any Error)?
            while let result = PQgetResult(self.conn) {
                do { last = try self.check(result) } catch let e { error = error ?? e }
            }
            if let failure { throw PostgresError(.client, "COPY aborted: \(failure)") }
            if let error { throw error }
            return last?.affectedRows ?? 0
        }
    }

    /// Whether the connection is still usable, checked without blocking (inline: only
    /// non-blocking libpq calls): a server that shut down has sent its goodbye, which shows
    /// up here. What a finished transaction left unread is read into libpq's buffer.
    public func isHealthy() -> Bool {
        guard !isBroken else { return false }
        let fd = PQsocket(conn)
        // A server that went away (restart, admin shutdown) has sent its goodbye
        // and closed: the socket is readable, hung up, or at end of stream.
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN) | pollReadHangUp, revents: 0)
        if poll(&descriptor, 1, 0) > 0 {
            let hungUp = Int16(POLLHUP) | pollReadHangUp | Int16(POLLERR)
            if descriptor.revents & hungUp != 0 || PQconsumeInput(conn) == 0 {
                isBroken = true
            } else {
                var byte: UInt8 = 0
                if recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) == 0 { isBroken = true }
            }
        }
        if PQstatus(conn) != CONNECTION_OK { isBroken = true }
        return !isBroken
    }

    /// Whether a transaction is still open on this connection that the pool did not open
    /// (someone sent `BEGIN` by hand and left). Inline: reads libpq's state only.
    public func hasForeignTransaction() -> Bool {
        transaction == nil && owedSyncs == 0 && PQtransactionStatus(conn) != PQTRANS_IDLE
    }

    // MARK: Internals

    func check(_ result: OpaquePointer?) throws -> PostgresRows {
        guard let result else {
            if PQstatus(conn) != CONNECTION_OK { isBroken = true }
            throw PostgresError(.connection, "lost the connection to PostgreSQL: " + lastError())
        }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY, PGRES_SINGLE_TUPLE:
            return PostgresRows(result: PostgresResult(result))
        case PGRES_COPY_IN, PGRES_COPY_OUT:
            PQclear(result)
            throw PostgresError(.client, "unexpected COPY in a query")
        default:
            let error = serverError(result)
            PQclear(result)
            if PQstatus(conn) != CONNECTION_OK { isBroken = true }
            throw error
        }
    }

    func serverError(_ result: OpaquePointer) -> PostgresError {
        func field(_ code: UInt8) -> String? {
            guard let p = PQresultErrorField(result, Int32(code)) else { return nil }
            return String(cString: p)
        }
        let message = field(UInt8(ascii: "M")) ?? lastError()
        let sqlState = field(UInt8(ascii: "C"))
        if sqlState == nil && PQstatus(conn) != CONNECTION_OK {
            return PostgresError(.connection, "lost the connection to PostgreSQL: \(message)")
        }
        // Class 08 (connection exception) and 57P0x (server shutting down) break the connection.
        if let sqlState, sqlState.hasPrefix("08") || sqlState.hasPrefix("57P") { isBroken = true }
        return PostgresError(.server, message, sqlState: sqlState, detail: field(UInt8(ascii: "D")),
                             constraint: field(UInt8(ascii: "n")), table: field(UInt8(ascii: "t")), column: field(UInt8(ascii: "c")))
    }

    func lastError() -> String {
        String(cString: PQerrorMessage(conn)).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func putCopyData(_ buffer: [UInt8]) -> Bool {
        buffer.withUnsafeBytes { raw in
            PQputCopyData(conn, raw.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(raw.count)) == 1
        }
    }

    static func appendCopyEscaped(_ value: String, to buffer: inout [UInt8]) {
        for byte in value.utf8 {
            switch byte {
            case 92: buffer.append(contentsOf: [92, 92])
            case 9: buffer.append(contentsOf: [92, UInt8(ascii: "t")])
            case 10: buffer.append(contentsOf: [92, UInt8(ascii: "n")])
            case 13: buffer.append(contentsOf: [92, UInt8(ascii: "r")])
            default: buffer.append(byte)
            }
        }
    }

    /// `"name"` with embedded quotes doubled.
    public static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    func markBroken() { isBroken = true }
}

func withBindValues<T>(_ binds: [PostgresBind], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> T) -> T {
    var pointers: [UnsafeMutablePointer<CChar>?] = binds.map { bind in bind.text.map { strdup($0) } ?? nil }
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeMutableBufferPointer { buffer in
        buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) { body($0) }
    }
}

private func withArrayOfCStrings<T>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T) -> T {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) } + [nil]
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeMutableBufferPointer { buffer in
        buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) { body($0) }
    }
}

final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}

/// POLLRDHUP (Linux): the peer closed its side. Not exported by the Swift Glibc module.
private let pollReadHangUp: Int16 = 0x2000
