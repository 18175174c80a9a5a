import Foundation
import Postgres

/// The SQL of authentication. Everything here goes through the security-definer `auth_*`
/// functions: they are the only way to find a user, session or key before a tenant is known.
struct AuthRepository: Sendable {
    let pool: PostgresPool

    struct StoredUser: Sendable {
        var id: UUID
        var tenantID: UUID?
        var passwordHash: String
        var role: Identity.Role
    }

    /// The one account that `login` names in `tenant` (its alias or ID; empty for none): see
    /// `auth_find_login` for how a login without a tenant is read. Nil for none or several.
    func user(tenant: String, login: String) async throws -> StoredUser? {
        let rows = try await pool.query("SELECT id, tenant_id, password_hash, role FROM auth_find_login(\(tenant), \(login))")
        guard let row = rows.first, let role = Identity.Role(rawValue: try row.decode(String.self, "role")) else { return nil }
        return StoredUser(id: try row.decode(UUID.self, "id"), tenantID: try row.decode(UUID?.self, "tenant_id"),
                          passwordHash: try row.decode(String.self, "password_hash"), role: role)
    }

    /// The session's identity, or nil when there is none or it expired (an expired session
    /// is deleted on the way).
    func session(tokenHash: [UInt8], configuration: AuthConfiguration) async throws -> (Identity, expiresAt: Date)? {
        let hash = PostgresBytes(tokenHash)
        let rows = try await pool.query("""
            SELECT user_id, tenant_id, role, csrf_token, username, expires_at,
                   now() - last_seen_at > make_interval(secs => \(Self.seconds(configuration.sessionIdleTimeout))) AS idle,
                   now() >= expires_at AS over,
                   now() - last_seen_at > interval '60 seconds' AS stale_touch
            FROM auth_find_session(\(hash))
            """)
        guard let row = rows.first else { return nil }
        if try row.decode(Bool.self, "idle") || row.decode(Bool.self, "over") {
            try await pool.query("SELECT auth_end_session(\(hash))")
            return nil
        }
        if try row.decode(Bool.self, "stale_touch") { try await pool.query("SELECT auth_touch_session(\(hash))") }
        guard let role = Identity.Role(rawValue: try row.decode(String.self, "role")) else { return nil }
        let identity = Identity(userID: try row.decode(UUID.self, "user_id"), tenantID: try row.decode(UUID?.self, "tenant_id"), role: role,
                                displayName: try row.decode(String.self, "username"),
                                credential: .session(tokenHash: tokenHash, csrfToken: try row.decode(String.self, "csrf_token")))
        return (identity, try row.decode(Date.self, "expires_at"))
    }

    func createSession(userID: UUID, tokenHash: [UInt8], csrfToken: String, lifetime: Duration) async throws {
        try await pool.query("""
            SELECT auth_create_session(\(PostgresBytes(tokenHash)), \(userID), \(csrfToken),
                                       now() + make_interval(secs => \(Self.seconds(lifetime))))
            """)
    }

    func endSession(tokenHash: [UInt8]) async throws {
        try await pool.query("SELECT auth_end_session(\(PostgresBytes(tokenHash)))")
    }

    func apiKey(secretHash: [UInt8]) async throws -> Identity? {
        let rows = try await pool.query("SELECT id, tenant_id, name, role, stale_use FROM auth_find_api_key(\(PostgresBytes(secretHash)))")
        guard let row = rows.first, let role = Identity.Role(rawValue: try row.decode(String.self, "role")) else { return nil }
        let id = try row.decode(UUID.self, "id")
        if try row.decode(Bool.self, "stale_use") { try await pool.query("SELECT auth_touch_api_key(\(id))") }
        let name = try row.decode(String.self, "name")
        return Identity(userID: nil, tenantID: try row.decode(UUID.self, "tenant_id"), role: role, displayName: "API key \(name)",
                        credential: .apiKey(id: id, name: name))
    }

    /// The throttle's answer to one sign-in attempt, decided and counted in one statement.
    struct Claim: Sendable {
        var allowed: Bool
        /// Seconds until the attempt may be tried again, when refused.
        var retryAfter: Int
        /// How long to wait before checking the password (failures from other addresses).
        var slowdown: Duration
    }

    /// Claims an attempt: refused (nothing counted) when the (username, address) pair or the
    /// address is over its limit, otherwise counted as a failure until `clearFailures`
    /// withdraws it. Concurrent claims on the same username or address queue on advisory
    /// locks, so a burst cannot slip past the limit.
    func claimAttempt(username: String, address: String, configuration: AuthConfiguration) async throws -> Claim {
        let rows = try await pool.query("""
            SELECT allowed, retry_after, slowdown_ms
            FROM auth_claim_attempt(\(username), \(address), make_interval(secs => \(Self.seconds(configuration.throttleWindow))),
                                    \(configuration.maxFailuresPerUsername)::int, \(configuration.maxFailuresPerAddress)::int,
                                    \(configuration.slowdownAfterFailuresElsewhere)::int)
            """)
        guard let row = rows.first else { return Claim(allowed: false, retryAfter: 1, slowdown: .zero) }
        return Claim(allowed: try row.decode(Bool.self, "allowed"), retryAfter: try row.decode(Int.self, "retry_after"),
                     slowdown: .milliseconds(try row.decode(Int.self, "slowdown_ms")))
    }

    /// A correct password withdraws this address's claims on the username.
    func clearFailures(username: String, address: String) async throws {
        try await pool.query("SELECT auth_clear_failures(\(username), \(address))")
    }

    static func seconds(_ duration: Duration) -> Double {
        let (s, atto) = duration.components
        return Double(s) + Double(atto) / 1e18
    }
}
