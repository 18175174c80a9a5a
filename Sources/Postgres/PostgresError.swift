/// Every failure of the database layer. Server errors keep their SQLSTATE and the fields the
/// portal needs to name what conflicted; `description` is safe to show, `debugDescription`
/// (with the server's detail) is for logs.
public struct PostgresError: Error, CustomStringConvertible, CustomDebugStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// Could not connect, or the connection broke.
        case connection
        /// The server refused a statement; see `sqlState`.
        case server
        /// A value could not be decoded into the requested Swift type.
        case decoding
        /// No connection became free within the pool's acquire timeout.
        case poolTimeout
        /// The pool was shut down.
        case poolClosed
        /// A query or bulk load was malformed before it reached the server.
        case client
    }

    public var kind: Kind
    public var message: String
    public var sqlState: String?
    public var detail: String?
    public var constraint: String?
    public var table: String?
    public var column: String?

    public init(_ kind: Kind, _ message: String, sqlState: String? = nil, detail: String? = nil,
                constraint: String? = nil, table: String? = nil, column: String? = nil) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.constraint = constraint
        self.table = table
        self.column = column
    }

    public var description: String {
        switch kind {
        case .server: "database error \(sqlState ?? "?"): \(message)"
        default: message
        }
    }

    public var debugDescription: String {
        var text = description
        if let detail { text += " (detail: \(detail))" }
        if let constraint { text += " (constraint: \(constraint))" }
        return text
    }

    public var isUniqueViolation: Bool { sqlState == "23505" }
    public var isForeignKeyViolation: Bool { sqlState == "23503" }
    public var isCheckViolation: Bool { sqlState == "23514" }
    /// Serialization failure or deadlock: the transaction may succeed if retried.
    public var isRetryable: Bool { sqlState == "40001" || sqlState == "40P01" || isStalePlan }
    /// "cached plan must not change result type": the schema changed under a prepared
    /// statement; preparing it again (in a new transaction) succeeds.
    public var isStalePlan: Bool { sqlState == "0A000" && message.contains("cached plan") }
    /// The connection is gone or the server is going away (could not connect, connection
    /// lost, class 08, or 57P01–57P05: shut down, crashed, starting up): try again later, on
    /// another connection. Whether a statement in flight took effect is unknown.
    public var isConnectionLoss: Bool {
        kind == .connection || sqlState?.hasPrefix("08") == true || sqlState?.hasPrefix("57P") == true
    }
}

extension PostgresError {
    /// A statement its task no longer wanted, refused before it was sent (the SQLSTATE the
    /// server gives a statement cancelled while it runs).
    static let cancelledBeforeSending = PostgresError(.client, "the statement was cancelled before it was sent", sqlState: "57014")
}
