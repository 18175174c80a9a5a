import Foundation
import Postgres
import Telephony

/// An agent as the API lists it (QUE-2).
struct AgentView: Encodable, Sendable, Equatable {
    var id: String
    var queueId: String
    var queueNumber: String
    var extensionId: String
    var extensionNumber: String
    /// The extension's name, else its owner's.
    var agent: String
    /// `agent` or `supervisor`.
    var type: String
    var supervisor: Bool
    var hasPin: Bool
    var penalty: Int
    var state: AgentState
    var lastLogin: Date?
    var lastLogout: Date?
    var lastCall: Date?
    var callsAnswered: Int
    var version: Int
    var createdAt: Date
    /// Who owns the extension (members act on their own agents only); not shown.
    var ownerId: String?
    /// The extension's PJSIP endpoint, for live commands; not shown.
    var sipUsername: String
    /// The state before a change (which command carries it out); not shown.
    var previous: AgentState?

    private enum CodingKeys: String, CodingKey {
        case id, queueId, queueNumber, extensionId, extensionNumber, agent, type, supervisor, hasPin, penalty, state, lastLogin, lastLogout
        case lastCall, callsAnswered, version, createdAt
    }

    init(id: String, queueId: String, queueNumber: String, extensionId: String, extensionNumber: String, agent: String, supervisor: Bool,
         hasPin: Bool, penalty: Int, state: AgentState, lastLogin: Date?, lastLogout: Date?, lastCall: Date?, callsAnswered: Int,
         version: Int, createdAt: Date, ownerId: String?, sipUsername: String) {
        self.id = id
        self.queueId = queueId
        self.queueNumber = queueNumber
        self.extensionId = extensionId
        self.extensionNumber = extensionNumber
        self.agent = agent
        self.type = supervisor ? "supervisor" : "agent"
        self.supervisor = supervisor
        self.hasPin = hasPin
        self.penalty = penalty
        self.state = state
        self.lastLogin = lastLogin
        self.lastLogout = lastLogout
        self.lastCall = lastCall
        self.callsAnswered = callsAnswered
        self.version = version
        self.createdAt = createdAt
        self.ownerId = ownerId
        self.sipUsername = sipUsername
    }
}

/// The SQL of queue agents.
struct QueueAgentsRepository: Sendable {
    static let columns = """
        a.id::text AS id, a.queue_id::text AS queue_id, q.number AS queue_number, a.extension_id::text AS extension_id, e.number AS extension_number,
        COALESCE(NULLIF(e.name, ''), trim(u.first_name || ' ' || u.last_name), e.number) AS agent, a.supervisor, a.pin_sha1 IS NOT NULL AS has_pin,
        a.penalty, a.state, a.last_login, a.last_logout, a.last_call, a.calls_answered, a.version, a.created_at, e.owner_id::text AS owner_id,
        e.sip_username
        """
    static let from = "queue_agents a JOIN extensions e ON e.id = a.extension_id JOIN extensions q ON q.id = a.queue_id LEFT JOIN users u ON u.id = e.owner_id"

    func list(queue: UUID, on c: PostgresConnection) async throws -> [AgentView] {
        try await c.query("SELECT \(unsafeRaw: Self.columns) FROM \(unsafeRaw: Self.from) WHERE a.queue_id = \(queue) ORDER BY a.created_at, a.id")
            .map(Self.decode)
    }

    func find(_ id: UUID, queue: UUID, forUpdate: Bool = false, on c: PostgresConnection) async throws -> AgentView? {
        try await c.query("""
            SELECT \(unsafeRaw: Self.columns) FROM \(unsafeRaw: Self.from) WHERE a.id = \(id) AND a.queue_id = \(queue)\(unsafeRaw: forUpdate ? " FOR UPDATE OF a" : "")
            """).first.map(Self.decode)
    }

    /// The agents with these IDs (within `queue`, when given), oldest first.
    func find(_ ids: [UUID], queue: UUID? = nil, forUpdate: Bool = false, on c: PostgresConnection) async throws -> [AgentView] {
        let inQueue: PostgresQuery = queue.map { "AND a.queue_id = \($0)" } ?? ""
        return try await c.query("""
            SELECT \(unsafeRaw: Self.columns) FROM \(unsafeRaw: Self.from) WHERE a.id = ANY(\(ids)) \(fragment: inQueue)
            ORDER BY a.created_at, a.id\(unsafeRaw: forUpdate ? " FOR UPDATE OF a" : "")
            """).map(Self.decode)
    }

    /// The extension's agent rows in every queue, locked, in queue-number order.
    func memberships(of ext: UUID, on c: PostgresConnection) async throws -> [AgentView] {
        try await c.query("""
            SELECT \(unsafeRaw: Self.columns) FROM \(unsafeRaw: Self.from) WHERE a.extension_id = \(ext) ORDER BY q.number FOR UPDATE OF a
            """).map(Self.decode)
    }

    func create(queue: UUID, extension ext: UUID, tenantID: UUID, pin: (salt: String, sha1: String)?, penalty: Int, supervisor: Bool,
                on c: PostgresConnection) async throws -> UUID {
        guard let id = try await c.query("""
            INSERT INTO queue_agents (tenant_id, queue_id, extension_id, pin_salt, pin_sha1, penalty, supervisor)
            VALUES (\(tenantID), \(queue), \(ext), \(pin?.salt), \(pin?.sha1), \(penalty), \(supervisor)) RETURNING id
            """).first?.decode(UUID.self, "id") else { throw PostgresError(.client, "INSERT returned no row") }
        return id
    }

    /// `pin`: nil leaves it, `.some(nil)` clears it.
    func update(_ id: UUID, pin: (salt: String, sha1: String)??, penalty: Int, supervisor: Bool, on c: PostgresConnection) async throws {
        if let pin {
            try await c.query("UPDATE queue_agents SET pin_salt = \(pin?.salt), pin_sha1 = \(pin?.sha1) WHERE id = \(id)")
        }
        try await c.query("UPDATE queue_agents SET penalty = \(penalty), supervisor = \(supervisor), version = version + 1 WHERE id = \(id)")
    }

    /// Moves agents to `state`, stamping the login or logout time.
    func setState(_ ids: [UUID], _ state: AgentState, on c: PostgresConnection) async throws {
        try await c.query("""
            UPDATE queue_agents SET state = \(state.rawValue), version = version + 1,
                last_login = CASE WHEN \(state.rawValue) = 'loggedIn' AND state = 'loggedOut' THEN now() ELSE last_login END,
                last_logout = CASE WHEN \(state.rawValue) = 'loggedOut' THEN now() ELSE last_logout END
            WHERE id = ANY(\(ids))
            """)
    }

    /// A call the node reports an agent answered (operator scope: the tenant is named).
    func recordCall(_ tenantID: UUID, queueNumber: String, sipUsername: String, at time: Date, on c: PostgresConnection) async throws {
        try await c.query("""
            UPDATE queue_agents a SET calls_answered = calls_answered + 1, last_call = GREATEST(COALESCE(last_call, \(time)), \(time))
            FROM extensions e, extensions q
            WHERE a.tenant_id = \(tenantID) AND e.id = a.extension_id AND q.id = a.queue_id AND e.sip_username = \(sipUsername)
              AND q.number = \(queueNumber) AND q.tenant_id = \(tenantID)
            """)
    }

    /// The state the node reports for a member (it is what calls see, so it wins), stamping
    /// login and logout times on the way.
    func reportState(_ tenantID: UUID, queueNumber: String, sipUsername: String, state: AgentState, at time: Date,
                     on c: PostgresConnection) async throws {
        try await c.query("""
            UPDATE queue_agents a SET state = \(state.rawValue), version = a.version + 1,
                last_login = CASE WHEN \(state.rawValue) <> 'loggedOut' AND a.state = 'loggedOut' THEN \(time) ELSE a.last_login END,
                last_logout = CASE WHEN \(state.rawValue) = 'loggedOut' AND a.state <> 'loggedOut' THEN \(time) ELSE a.last_logout END
            FROM extensions e, extensions q
            WHERE a.tenant_id = \(tenantID) AND e.id = a.extension_id AND q.id = a.queue_id AND e.sip_username = \(sipUsername)
              AND q.number = \(queueNumber) AND q.tenant_id = \(tenantID) AND a.state <> \(state.rawValue)
            """)
    }

    /// Every agent of the tenant with the state the portal holds, for bringing a node that
    /// was down (or new) up to date.
    func all(on c: PostgresConnection) async throws -> [AgentView] {
        try await c.query("SELECT \(unsafeRaw: Self.columns) FROM \(unsafeRaw: Self.from) ORDER BY q.number, a.created_at, a.id").map(Self.decode)
    }

    func delete(_ ids: [UUID], queue: UUID, on c: PostgresConnection) async throws {
        try await c.query("DELETE FROM queue_agents WHERE id = ANY(\(ids)) AND queue_id = \(queue)")
    }

    static func decode(_ row: PostgresRow) throws -> AgentView {
        AgentView(id: try row.decode(String.self, "id"), queueId: try row.decode(String.self, "queue_id"),
                  queueNumber: try row.decode(String.self, "queue_number"), extensionId: try row.decode(String.self, "extension_id"),
                  extensionNumber: try row.decode(String.self, "extension_number"), agent: try row.decode(String.self, "agent"),
                  supervisor: try row.decode(Bool.self, "supervisor"), hasPin: try row.decode(Bool.self, "has_pin"),
                  penalty: try row.decode(Int.self, "penalty"), state: AgentState(rawValue: try row.decode(String.self, "state")) ?? .loggedOut,
                  lastLogin: try row.decode(Date?.self, "last_login"), lastLogout: try row.decode(Date?.self, "last_logout"),
                  lastCall: try row.decode(Date?.self, "last_call"), callsAnswered: try row.decode(Int.self, "calls_answered"),
                  version: try row.decode(Int.self, "version"), createdAt: try row.decode(Date.self, "created_at"),
                  ownerId: try row.decode(String?.self, "owner_id"), sipUsername: try row.decode(String.self, "sip_username"))
    }
}
