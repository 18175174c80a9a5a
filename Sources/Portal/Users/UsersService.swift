import Foundation
import HTTPServer
import Postgres

/// USR-3 and USR-4: admins manage every user of their tenant; members read and change only
/// themselves and cannot change their role; the last admin cannot be deleted or demoted.
/// Every write records its audit row in the same transaction.
struct UsersService: Sendable {
    let database: TenantDatabase
    let users: UsersRepository
    let audit: AuditRecorder
    let hasher: PasswordHasher

    /// A new user: the user fields plus the password, twice.
    struct CreateRequest: Decodable, Sendable {
        var fields: UserFields
        var password: String
        var passwordConfirmation: String

        init(from decoder: any Decoder) throws {
            fields = try UserFields(from: decoder)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            password = try c.decode(String.self, forKey: .password)
            passwordConfirmation = try c.decode(String.self, forKey: .passwordConfirmation)
        }

        private enum CodingKeys: String, CodingKey { case password, passwordConfirmation }
    }

    func list(_ context: TenantContext, search: String?, limit: Int, cursor: UserCursor?) async throws -> ListPage<UserView> {
        try context.requireAdmin()
        return try await database.read(context.scope) { try await users.list(search: search, limit: limit, after: cursor, on: $0) }
    }

    func get(_ context: TenantContext, id: UUID) async throws -> UserView {
        try requireSelfOrAdmin(context, id)
        guard let user = try await database.read(context.scope, { try await users.find(id, on: $0) }),
              user.tenantId == context.tenantID.lowercased else {
            throw HTTPError(.notFound, detail: "There is no such user.")
        }
        return user
    }

    func create(_ context: TenantContext, _ request: CreateRequest) async throws -> UserView {
        try context.requireAdmin()
        let fields = request.fields
        var errors = FieldErrors()
        fields.validate(into: &errors)
        if let problem = PasswordPolicy.problem(request.password, username: fields.username) { errors.add("password", problem) }
        if request.passwordConfirmation != request.password { errors.add("passwordConfirmation", "does not match the password") }
        try errors.throwIfAny()
        // Hashed before the transaction: scrypt must not run while row locks are held.
        let hash = try await hasher.hash(request.password)
        return try await Self.mappingConflicts {
            try await database.transaction(context.scope) { connection in
                let user = try await users.create(.init(tenantID: context.tenantID, passwordHash: hash, fields: fields), on: connection)
                try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "user", entityID: user.id, action: .create,
                                       before: nil, after: fields.auditValues.merging(["password": .string("")]) { a, _ in a }, on: connection)
                return user
            }
        }
    }

    static let patchable: Set<String> = ["firstName", "lastName", "username", "role", "phone", "email", "address", "city", "postalCode",
                                         "country", "region", "timezone", "language", "phoneLanguage", "password", "passwordConfirmation"]

    func update(_ context: TenantContext, id: UUID, request: HTTPRequest) async throws -> UserView {
        try requireSelfOrAdmin(context, id)
        let patch = try MergePatch(request, allowed: Self.patchable)
        // A new password is hashed before the transaction (scrypt must not run while the user's
        // row is locked); it is stored only if the rest of the change is valid. Members cannot
        // set a password here, so their requests cost no hash.
        var unused = FieldErrors()
        let prehashed: String? = if context.isAdmin, case .value(let password) = patch.string("password", errors: &unused) {
            try await hasher.hash(password)
        } else {
            nil
        }
        return try await Self.mappingConflicts {
            try await database.transaction(context.scope) { connection in
                guard let current = try await users.findForUpdate(id, on: connection), current.tenantId == context.tenantID.lowercased else {
                    throw HTTPError(.notFound, detail: "There is no such user.")
                }
                try Versioning.check(request, current: current.version)
                let before = current.fields
                var errors = FieldErrors()
                let (after, newPassword) = Self.apply(patch, to: before, errors: &errors)
                try errors.throwIfAny()
                if !context.isAdmin {
                    if after.role != before.role { throw HTTPError(.forbidden, detail: "Members cannot change their role.") }
                    if newPassword != nil {
                        throw HTTPError(.forbidden, detail: "Change your own password with PUT /api/v1/me/password, which asks for the current one.")
                    }
                }
                if before.role == "admin" && after.role != "admin" {
                    let admins = try await users.lockAdmins(on: connection)
                    if admins == [current.id] {
                        throw HTTPError(.conflict, detail: "This is the tenant's last administrator; make someone else an administrator first.",
                                        errors: [.init(field: "role", message: "the last administrator cannot be demoted")])
                    }
                }
                let hash: String? = newPassword == nil ? nil : prehashed
                guard let updated = try await users.update(id, fields: after, passwordHash: hash, on: connection) else {
                    throw HTTPError(.notFound, detail: "There is no such user.")
                }
                var (old, new) = UserFields.changes(from: before, to: after)
                if hash != nil {
                    old["password"] = .string("")
                    new["password"] = .string("")
                }
                if !new.isEmpty {
                    try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "user", entityID: updated.id,
                                           action: .update, before: old, after: new, on: connection)
                }
                return updated
            }
        }
    }

    func dependents(_ context: TenantContext, id: UUID) async throws -> UserDependents {
        try context.requireAdmin()
        return try await database.transaction(context.scope) { connection in
            guard let user = try await users.find(id, on: connection), user.tenantId == context.tenantID.lowercased else {
                throw HTTPError(.notFound, detail: "There is no such user.")
            }
            return try await users.dependents(of: id, on: connection)
        }
    }

    func delete(_ context: TenantContext, id: UUID, request: HTTPRequest) async throws {
        try context.requireAdmin()
        try await database.transaction(context.scope) { connection in
            guard let current = try await users.findForUpdate(id, on: connection), current.tenantId == context.tenantID.lowercased else {
                throw HTTPError(.notFound, detail: "There is no such user.")
            }
            try Versioning.check(request, current: current.version)
            if current.role == "admin", try await users.lockAdmins(on: connection) == [current.id] {
                throw HTTPError(.conflict, detail: "This is the tenant's last administrator and cannot be deleted.")
            }
            try await users.delete(id, on: connection)
            try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "user", entityID: current.id, action: .delete,
                                   before: current.fields.auditValues, after: nil, on: connection)
        }
    }

    private func requireSelfOrAdmin(_ context: TenantContext, _ id: UUID) throws {
        if !context.isAdmin && context.identity.userID != id {
            throw HTTPError(.forbidden, detail: "Members can only see and change their own user.")
        }
    }

    /// A merge patch of a user applied to `before`, with every invalid field the request
    /// changes named, and the new password if the patch sets one.
    static func apply(_ patch: MergePatch, to before: UserFields, errors: inout FieldErrors) -> (UserFields, newPassword: String?) {
        var after = before
        let required: [(String, WritableKeyPath<UserFields, String>)] = [
            ("firstName", \.firstName), ("lastName", \.lastName), ("username", \.username), ("role", \.role),
            ("language", \.language), ("phoneLanguage", \.phoneLanguage)]
        for (key, path) in required {
            switch patch.string(key, errors: &errors) {
            case .absent: break
            case .null: errors.add(key, "cannot be empty")
            case .value(let value): after[keyPath: path] = value
            }
        }
        let optional: [(String, WritableKeyPath<UserFields, String?>)] = [
            ("phone", \.phone), ("email", \.email), ("address", \.address), ("city", \.city), ("postalCode", \.postalCode),
            ("country", \.country), ("region", \.region), ("timezone", \.timezone)]
        for (key, path) in optional {
            switch patch.string(key, errors: &errors) {
            case .absent: break
            case .null: after[keyPath: path] = nil
            case .value(let value): after[keyPath: path] = value
            }
        }
        var newPassword: String?
        if case .value(let password) = patch.string("password", errors: &errors) {
            newPassword = password
            if let problem = PasswordPolicy.problem(password, username: after.username) { errors.add("password", problem) }
            if case .value(let confirmation) = patch.string("passwordConfirmation", errors: &errors), confirmation == password {} else {
                errors.add("passwordConfirmation", "does not match the password")
            }
        }
        // Only what this request changes is judged: a user created elsewhere (the CLI)
        // with, say, no first name can still change their city.
        var fieldErrors = FieldErrors()
        after.validate(into: &fieldErrors)
        let changed = Set(patch.keys)
        for error in fieldErrors.errors where changed.contains(error.field) { errors.add(error.field, error.message) }
        return (after, newPassword)
    }

    /// A duplicate username becomes 409 naming the field. Usernames are unique per tenant and
    /// among operators (migration 0018), so the answer never depends on another tenant's users.
    static func mappingConflicts<T>(_ body: () async throws -> T) async throws -> T {
        try await UniqueConflicts.mapping([
            "users_tenant_username_key": .init(field: "username", detail: "That username is taken in this tenant."),
            "users_operator_username_key": .init(field: "username", detail: "Another platform operator has that username."),
        ], body)
    }
}

extension UUID {
    var lowercased: String { uuidString.lowercased() }
}
