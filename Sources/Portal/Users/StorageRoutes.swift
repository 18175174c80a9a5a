import Foundation
import HTTPServer
import Postgres

/// `GET /api/v1/tenants/{tenantId}/users/{id}/storage` (USR-5): bytes used by the user, split
/// by kind, against the tenant's quota. Members may read their own.
struct StorageRoutes: RouteCollection {
    let storage: StorageRepository
    let tenants: TenantsRepository
    let database: TenantDatabase

    struct Usage: Encodable {
        var usedBytes: Int
        var totalBytes: Int
        var byKind: [String: Int]
    }

    func register(on routes: RouteGroup) {
        routes.get("/users/{id}/storage") { request in
            let context = try await TenantContext.resolve(request, tenants: tenants, database: database)
            let id = try UsersRoutes.id(request)
            if !context.isAdmin && context.identity.userID != id {
                throw HTTPError(.forbidden, detail: "Members can only see their own storage.")
            }
            let usage = try await database.transaction(context.scope) { connection -> Usage? in
                guard let quota = try await storage.quota(userID: id, on: connection) else { return nil }
                let byKind = try await storage.usage(userID: id, on: connection)
                return Usage(usedBytes: byKind.values.reduce(0, +), totalBytes: quota, byKind: byKind)
            }
            guard let usage else { throw HTTPError(.notFound, detail: "There is no such user.") }
            return try .json(usage)
        }
    }
}

/// The SQL of storage accounting.
struct StorageRepository: Sendable {
    static let kinds = ["voicemail", "recordings", "sounds", "holdMusic"]

    /// The tenant's quota, or nil when the user is not in the scoped tenant.
    func quota(userID: UUID, on connection: PostgresConnection) async throws -> Int? {
        try await connection.query("""
            SELECT t.storage_quota_bytes AS quota FROM users u JOIN tenants t ON t.id = u.tenant_id
            WHERE u.id = \(userID) AND u.tenant_id = app_tenant()
            """).first?.decode(Int.self, "quota")
    }

    /// Bytes per kind, every kind present (0 when nothing is stored).
    func usage(userID: UUID, on connection: PostgresConnection) async throws -> [String: Int] {
        var result = Dictionary(uniqueKeysWithValues: Self.kinds.map { ($0, 0) })
        for row in try await connection.query("SELECT kind, bytes FROM storage_usage WHERE user_id = \(userID)") {
            result[try row.decode(String.self, "kind")] = try row.decode(Int.self, "bytes")
        }
        return result
    }
}
