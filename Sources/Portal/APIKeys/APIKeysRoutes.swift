import Foundation
import HTTPServer

/// `/api/v1/tenants/{tenantId}/api-keys` (USR-1): named keys with a role, for integrators.
/// The secret is shown once, at creation; only its SHA-256 is stored, and its first
/// characters (the prefix) identify it in lists.
struct APIKeysRoutes: RouteCollection {
    let keys: APIKeysRepository
    let tenants: TenantsRepository
    let database: TenantDatabase
    let audit: AuditRecorder

    struct CreateRequest: Decodable {
        var name: String
        var role: String
    }

    struct Created: Encodable {
        var id: String
        var name: String
        var prefix: String
        var role: String
        var createdAt: Date
        var version: Int
        /// The whole key; it cannot be shown again.
        var secret: String
    }

    /// The trimmed name, or 422 naming every invalid field.
    @discardableResult
    static func checked(_ body: CreateRequest) throws -> String {
        var errors = FieldErrors()
        let name = body.name.trimmingCharacters(in: .whitespaces)
        if name.isEmpty || name.count > 100 { errors.add("name", "must have 1 to 100 characters") }
        if !["admin", "member"].contains(body.role) { errors.add("role", "must be admin or member") }
        try errors.throwIfAny()
        return name
    }

    func register(on routes: RouteGroup) {
        routes.get("/api-keys") { request in
            let context = try await TenantContext.resolve(request, tenants: tenants, database: database)
            try context.requireAdmin()
            let items = try await database.read(context.scope) { try await keys.list(on: $0) }
            return try .json(ListPage<APIKeyView>(items: items, nextCursor: nil, total: items.count))
        }
        routes.post("/api-keys", maxBodyBytes: 4096) { request in
            let context = try await TenantContext.resolve(request, tenants: tenants, database: database)
            try context.requireAdmin()
            let body = try request.decodeJSON(CreateRequest.self)
            let name = try Self.checked(body)
            let prefix = "ck_" + String(Secrets.token(bytes: 6).prefix(8))
            let secret = prefix + "_" + Secrets.token(bytes: 32)
            let key = try await database.transaction(context.scope) { connection in
                let key = try await keys.create(tenantID: context.tenantID, name: name, prefix: prefix, secretHash: Secrets.sha256(secret),
                                                role: body.role, createdBy: context.identity.userID, on: connection)
                try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "apiKey", entityID: key.id, action: .create,
                                       before: nil, after: ["name": .string(name), "role": .string(body.role), "prefix": .string(prefix)],
                                       on: connection)
                return key
            }
            return try .json(Created(id: key.id, name: key.name, prefix: key.prefix, role: key.role, createdAt: key.createdAt,
                                     version: key.version, secret: secret),
                             status: .created, headers: ["Location": "/api/v1/tenants/\(context.tenantID.lowercased)/api-keys/\(key.id)",
                                                         "Cache-Control": "no-store"])
        }
        routes.delete("/api-keys/{id}") { request in
            let context = try await TenantContext.resolve(request, tenants: tenants, database: database)
            try context.requireAdmin()
            guard let id = UUID(uuidString: try request.parameter("id")) else { throw HTTPError(.notFound, detail: "There is no such API key.") }
            try await database.transaction(context.scope) { connection in
                guard let key = try await keys.revoke(id, on: connection) else {
                    throw HTTPError(.notFound, detail: "There is no such active API key.")
                }
                try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "apiKey", entityID: key.id, action: .delete,
                                       before: ["name": .string(key.name), "role": .string(key.role)], after: nil, on: connection)
            }
            return .noContent()
        }
    }
}
