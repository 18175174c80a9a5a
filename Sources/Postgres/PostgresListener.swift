import CLibPQ
import Dispatch
import Foundation
public import Logging
import Synchronization

/// A notification delivered by `NOTIFY`.
public struct PostgresNotification: Sendable, Equatable {
    public var channel: String
    public var payload: String
    public init(channel: String, payload: String) {
        self.channel = channel
        self.payload = payload
    }
}

/// Listens on channels with its own connection (outside the pool) and a dedicated thread that
/// waits on the socket. If the connection drops, it reconnects with backoff and listens again.
public final class PostgresListener: Sendable {
    private let connectionString: String
    private let channels: [String]
    private let logger: Logger
    private let stopped = Mutex(false)
    private let continuation: AsyncStream<PostgresNotification>.Continuation
    /// Every notification on the channels, in order.
    public let notifications: AsyncStream<PostgresNotification>
    private let ready = Mutex<[CheckedContinuation<Void, Never>]?>([])
    private let connection = Mutex<(listening: Bool, generation: Int)>((false, 0))
    private let handler: (@Sendable (PostgresNotification) -> Bool)?

    /// A number that changes every time the listener connects again, or nil while it is not
    /// listening. Whatever was cached under one generation may have missed notifications sent
    /// while the listener was away, so a cache keyed by it starts over.
    public var generation: Int? {
        connection.withLock { $0.listening ? $0.generation : nil }
    }

    /// - Parameter handler: called on the listener's thread with each notification, before it
    ///   is queued on `notifications`: for work that must not wait for a task to be scheduled,
    ///   nor be dropped when the queue is full. A notification it answers `true` for is done
    ///   with and not queued.
    public init(connectionString: String, channels: [String], logger: Logger = Logger(label: "postgres.listener"),
                handler: (@Sendable (PostgresNotification) -> Bool)? = nil) {
        self.handler = handler
        self.connectionString = connectionString
        self.channels = channels
        self.logger = logger
        (notifications, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(10_000))
    }

    /// Starts listening; returns once the first `LISTEN` is in place.
    public func start() async {
        let thread = Thread { [self] in self.loop() }
        thread.name = "postgres-listener"
        thread.start()
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let alreadyReady = ready.withLock { waiters -> Bool in
                guard waiters != nil else { return true }
                waiters?.append(c)
                return false
            }
            if alreadyReady { c.resume() }
        }
    }

    /// Stops listening; a `start()` still waiting for its first `LISTEN` returns.
    public func stop() {
        stopped.withLock { $0 = true }
        continuation.finish()
        let waiters = ready.withLock { w -> [CheckedContinuation<Void, Never>] in defer { w = nil }; return w ?? [] }
        waiters.forEach { $0.resume() }
    }

    private func loop() {
        var backoff = 0.1
        while !stopped.withLock({ $0 }) {
            let attempt = PQconnectdb(connectionString)
            guard let conn = attempt, PQstatus(conn) == CONNECTION_OK else {
                if let attempt { PQfinish(attempt) }
                logger.warning("listener cannot connect; retrying", metadata: ["retryInSeconds": "\(backoff)"])
                Thread.sleep(forTimeInterval: backoff)
                backoff = min(backoff * 2, 5)
                continue
            }
            defer { PQfinish(conn) }
            var ok = true
            for channel in channels {
                let result = PQexec(conn, "LISTEN " + PostgresConnection.quoteIdentifier(channel))
                if PQresultStatus(result) != PGRES_COMMAND_OK { ok = false }
                PQclear(result)
            }
            guard ok else { Thread.sleep(forTimeInterval: backoff); continue }
            // Anything notified before this point was missed; the new generation says so.
            backoff = 0.1
            connection.withLock { $0 = (true, $0.generation + 1) }
            let waiters = ready.withLock { w -> [CheckedContinuation<Void, Never>] in defer { w = nil }; return w ?? [] }
            waiters.forEach { $0.resume() }
            while !stopped.withLock({ $0 }) {
                var descriptor = pollfd(fd: PQsocket(conn), events: Int16(POLLIN), revents: 0)
                let rc = poll(&descriptor, 1, 250)
                if rc < 0 && errno != EINTR { break }
                if rc > 0 && PQconsumeInput(conn) == 0 { break }
                while let notify = PQnotifies(conn) {
                    let n = PostgresNotification(channel: String(cString: notify.pointee.relname), payload: String(cString: notify.pointee.extra))
                    PQfreemem(notify)
                    if handler?(n) == true { continue }
                    continuation.yield(n)
                }
                if PQstatus(conn) != CONNECTION_OK { break }
            }
            connection.withLock { $0.listening = false }
            if !stopped.withLock({ $0 }) { logger.warning("listener connection lost; reconnecting") }
        }
    }
}

extension PostgresPool {
    /// Sends a notification (delivered when the surrounding transaction, if any, commits).
    public func notify(channel: String, payload: String) async throws {
        try await query("SELECT pg_notify(\(channel), \(payload))")
    }
}
