import Foundation
import HTTPServer
import Postgres

/// Sign-in, sign-out and password changes.
struct SessionService: Sendable {
    let auth: AuthRepository
    let database: TenantDatabase
    let users: UsersRepository
    let audit: AuditRecorder
    let configuration: AuthConfiguration
    let hasher: PasswordHasher

    struct SignedIn: Sendable {
        var user: UserView
        var token: String
        var csrfToken: String
    }

    /// Checks the credentials with the same work whether or not the account exists, and
    /// answers the same way for both — a wrong tenant, username or password alike — so neither
    /// the reply nor its timing tells them apart. `tenant` is the tenant's alias or ID, or
    /// empty (then `username` alone, or written `username@tenant`, must name one account).
    /// The throttle decides and counts the attempt before the password is checked (see
    /// `AuthRepository.claimAttempt`), keyed by the account (or, naming none, by the tenant and
    /// username as written) and the address; no password is hashed inside a transaction.
    func signIn(tenant: String = "", username: String, password: String, address: String) async throws -> SignedIn {
        let tenant = tenant.trimmingCharacters(in: .whitespaces)
        // The account is looked up first (no password is checked yet), so the throttle counts
        // an account once however its tenant is named: alias, ID, the field or `@tenant`.
        let stored = try await auth.user(tenant: tenant, login: username)
        let key = stored.map { "account:\($0.id.uuidString.lowercased())" } ?? Self.throttleKey(tenant: tenant, username: username)
        let claim = try await auth.claimAttempt(username: key, address: address, configuration: configuration)
        guard claim.allowed else {
            throw HTTPError(.tooManyRequests, detail: "Too many failed sign-ins; try again in \(claim.retryAfter) seconds.",
                            headers: ["Retry-After": String(claim.retryAfter)])
        }
        if claim.slowdown > .zero { try await Task.sleep(for: claim.slowdown) }
        // A 429 from a saturated scrypt gate below leaves the claim counted: under a flood the
        // attempt costs one of the pair's five, never a check of the password.
        let valid = try await hasher.verify(password, against: stored?.passwordHash ?? Secrets.decoyHash)
        guard valid, let stored else {
            throw HTTPError(.unauthorized, type: "invalid-credentials", detail: "The tenant, username or password is not correct.")
        }
        try await auth.clearFailures(username: key, address: address)
        if Secrets.needsRehash(stored.passwordHash) {
            // Stored at an older cost: store it again at today's, now that we have the password.
            let upgraded = try await hasher.hash(password)
            try await database.transaction(Self.scope(userID: stored.id, tenantID: stored.tenantID, role: stored.role)) {
                try await users.upgradeHash(stored.id, hash: upgraded, on: $0)
            }
        }
        return try await startSession(for: stored.id, tenantID: stored.tenantID, role: stored.role)
    }

    /// What the throttle counts a sign-in that names no account under: `username@tenant`, the
    /// same for both ways of writing the tenant (its field, or after the username).
    static func throttleKey(tenant: String, username: String) -> String {
        tenant.isEmpty ? username : "\(username)@\(tenant.lowercased())"
    }

    func startSession(for userID: UUID, tenantID: UUID?, role: Identity.Role) async throws -> SignedIn {
        let token = Secrets.token()
        let csrf = Secrets.token()
        try await auth.createSession(userID: userID, tokenHash: Secrets.sha256(token), csrfToken: csrf, lifetime: configuration.sessionLifetime)
        let scope = Self.scope(userID: userID, tenantID: tenantID, role: role)
        guard let user = try await database.transaction(scope, { try await users.find(userID, on: $0) }) else {
            throw HTTPError(.unauthorized, detail: "The user no longer exists.")
        }
        return SignedIn(user: user, token: token, csrfToken: csrf)
    }

    func signOut(_ identity: Identity) async throws {
        if case .session(let hash, _) = identity.credential { try await auth.endSession(tokenHash: hash) }
    }

    func me(_ identity: Identity) async throws -> UserView {
        guard let userID = identity.userID else {
            throw HTTPError(.forbidden, detail: "API keys act for a tenant, not for a user.")
        }
        let scope = Self.scope(userID: userID, tenantID: identity.tenantID, role: identity.role)
        guard let user = try await database.transaction(scope, { try await users.find(userID, on: $0) }) else {
            throw HTTPError(.notFound, detail: "The user no longer exists.")
        }
        return user
    }

    struct PasswordChange: Decodable, Sendable {
        var currentPassword: String
        var newPassword: String
        var confirmation: String
    }

    /// Changes the caller's password, ends every session of theirs (other browsers too) and
    /// starts a fresh one for this browser.
    func changePassword(_ change: PasswordChange, identity: Identity) async throws -> SignedIn {
        guard let userID = identity.userID, case .session = identity.credential else {
            throw HTTPError(.forbidden, detail: "Passwords are changed from a signed-in session.")
        }
        let scope = Self.scope(userID: userID, tenantID: identity.tenantID, role: identity.role)
        guard let user = try await database.transaction(scope, { try await users.find(userID, on: $0) }),
              let storedHash = try await database.transaction(scope, { try await users.passwordHash(of: userID, on: $0) }) else {
            throw HTTPError(.notFound, detail: "The user no longer exists.")
        }
        var errors = FieldErrors()
        if !(try await hasher.verify(change.currentPassword, against: storedHash)) {
            errors.add("currentPassword", "is not correct")
        }
        if let problem = PasswordPolicy.problem(change.newPassword, username: user.username) { errors.add("newPassword", problem) }
        if change.confirmation != change.newPassword { errors.add("confirmation", "does not match the new password") }
        try errors.throwIfAny()
        let newHash = try await hasher.hash(change.newPassword)
        try await database.transaction(scope) { connection in
            try await users.setPassword(userID, hash: newHash, on: connection)
            if let tenantID = identity.tenantID {
                try await audit.record(tenantID: tenantID, actor: identity, entity: "user", entityID: userID.uuidString.lowercased(),
                                       action: .update, before: ["password": .string("")], after: ["password": .string("")],
                                       on: connection)
            }
        }
        return try await startSession(for: userID, tenantID: identity.tenantID, role: identity.role)
    }

    static func scope(userID: UUID, tenantID: UUID?, role: Identity.Role) -> TenantDatabase.Scope {
        if role == .operator { return .operatorScope(user: userID) }
        return TenantDatabase.Scope(tenantID: tenantID, userID: userID, isOperator: false)
    }

    /// The session cookie; `Secure` when configured so, or when the request came over TLS (a
    /// TLS-terminating proxy says so with `X-Forwarded-Proto: https`).
    func cookie(for token: String?, request: HTTPRequest) -> String {
        let overTLS = request.headers["X-Forwarded-Proto"]?.lowercased() == "https"
        let secure = configuration.secureCookies || overTLS ? "; Secure" : ""
        guard let token else {
            return "\(AuthConfiguration.cookieName)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0\(secure)"
        }
        let maxAge = Int(AuthRepository.seconds(configuration.sessionLifetime))
        return "\(AuthConfiguration.cookieName)=\(token); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(maxAge)\(secure)"
    }
}
