public import Foundation
public import Postgres
import HTTPServer
import Dialplan

/// What the platform operator does from the command line (`centralita tenant create`,
/// `centralita user create`): the same validation and SQL as the API, run as the database
/// owner with the target tenant set for row-level security.
public struct PlatformAdministration: Sendable {
    let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    public struct CreatedUser: Sendable {
        /// Lowercase UUID.
        public var id: String
        public var username: String
        /// Set when the password was generated rather than given.
        public var generatedPassword: String?
        /// What to type as the username to sign in: `username@tenant` (the tenant's alias, or
        /// its ID when it has none) for a tenant user, the bare username for an operator.
        public var signInAs: String
        public var json: String
    }

    public func createTenant(name: String, alias: String?, timezone: String, language: String, contactEmail: String?) async throws -> (id: String, json: String) {
        var tenant = TenantsService.draft(name: name, timezone: timezone, language: language)
        tenant.alias = alias
        tenant.contactEmail = contactEmail
        var errors = FieldErrors()
        TenantsService.validate(tenant, into: &errors)
        try errors.throwIfAny()
        tenant = try await TenantDatabase(pool: pool).transaction(.operatorScope(user: nil)) { connection in
            try await TenantsRepository().create(tenant, on: connection)
        }
        return (tenant.id, String(decoding: try JSONCoding.encode(tenant), as: UTF8.self))
    }

    /// Creates an operator (`tenantID` nil) or a tenant user. Without `password` a strong one
    /// is generated and returned once.
    public func createUser(tenantID: UUID?, role: String, username: String, password: String?, firstName: String,
                           lastName: String, email: String?) async throws -> CreatedUser {
        var errors = FieldErrors()
        if tenantID == nil && role != "operator" { errors.add("role", "operators have no tenant; tenant users are admin or member") }
        if tenantID != nil && !["admin", "member"].contains(role) { errors.add("role", "must be admin or member") }
        if let problem = UserFields.usernameProblem(username) { errors.add("username", problem) }
        let generated = password == nil ? Secrets.token(bytes: 15) : nil
        let chosen = password ?? generated ?? ""
        if let problem = PasswordPolicy.problem(chosen, username: username) { errors.add("password", problem) }
        try errors.throwIfAny()
        let hash = try await Secrets.hashPassword(chosen)
        let scope: TenantDatabase.Scope = tenantID.map { .tenant($0, user: nil) } ?? .operatorScope(user: nil)
        let (user, tenantName) = try await UsersService.mappingConflicts { try await TenantDatabase(pool: pool).transaction(scope) { connection -> (UserView, String?) in
            var tenantName: String?
            if let tenantID {
                guard let tenant = try await TenantsRepository().find(tenantID, on: connection) else {
                    throw HTTPError(.notFound, detail: "There is no tenant \(tenantID.uuidString.lowercased()).")
                }
                tenantName = tenant.alias ?? tenant.id
            }
            var fields = UserFields()
            fields.username = username
            fields.role = role
            fields.firstName = firstName
            fields.lastName = lastName
            fields.email = email
            return (try await UsersRepository().create(.init(tenantID: tenantID, passwordHash: hash, fields: fields), on: connection), tenantName)
        } }
        return CreatedUser(id: user.id, username: user.username, generatedPassword: generated,
                           signInAs: tenantName.map { "\(user.username)@\($0)" } ?? user.username,
                           json: String(decoding: try JSONCoding.encode(user), as: UTF8.self))
    }
}

extension PlatformAdministration {
    /// A tenant's current configuration compiled into its bundle (`centralita compile`).
    public func compile(tenantID: UUID, sipRealm: String, trunk: String) async throws -> (tenant: String, revision: Int, files: [String: [UInt8]]) {
        let database = TenantDatabase(pool: pool)
        guard let snapshot = try await database.transaction(.operatorScope(user: nil, tenant: tenantID), repeatableRead: true, {
            try await SnapshotRepository().load(tenantID: tenantID, on: $0)
        }) else { throw HTTPError(.notFound, detail: "There is no tenant \(tenantID.uuidString.lowercased()).") }
        let bundle = DialplanCompiler.compile(snapshot, options: CompileOptions(sipRealm: sipRealm, trunk: trunk))
        return (bundle.tenant, bundle.revision, bundle.files)
    }
}

extension PlatformAdministration {
    /// Registers a media node, or updates the one with this name, and assigns tenants to it
    /// (`centralita media-node add`; `make run` uses it for its local agent). Returns the node ID.
    public func addMediaNode(name: String, url: String, secret: String, tenants: [UUID]) async throws -> String {
        let (name, url, secret) = try MediaNodesRoutes.validate(.init(name: name, url: url, secret: secret), requireSecret: true)
        let repository = DeploymentsRepository()
        let database = TenantDatabase(pool: pool)
        let node = try await database.transaction(.operatorScope(user: nil)) { c -> MediaNode in
            if let existing = try await repository.nodes(on: c).first(where: { $0.name == name }), let id = UUID(uuidString: existing.id),
               let updated = try await repository.updateNode(id, name: name, url: url, secret: secret, on: c) {
                return updated
            }
            return try await repository.createNode(name: name, url: url, secret: secret ?? "", on: c)
        }
        guard let nodeID = UUID(uuidString: node.id) else { throw HTTPError(.internalServerError) }
        for tenant in tenants {
            try await database.transaction(.operatorScope(user: nil, tenant: tenant)) { c in
                guard try await repository.tenantState(tenant, on: c) != nil else {
                    throw HTTPError(.notFound, detail: "There is no tenant \(tenant.uuidString.lowercased()).")
                }
                try await repository.assign(tenant, node: nodeID, on: c)
            }
        }
        return node.id
    }
}
