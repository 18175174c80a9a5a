import Foundation
import HTTPServer

/// `/api/v1/tenants/{tenantId}/users` and `/users/{id}`.
struct UsersRoutes: RouteCollection {
    let service: UsersService
    let tenants: TenantsRepository
    let database: TenantDatabase


    func register(on routes: RouteGroup) {
        routes.light.get("/users") { request in
            let context = try await context(request)
            let limit = try Self.limit(request)
            var cursor: UserCursor?
            if let text = request.cursor {
                guard let decoded = UserCursor(encoded: text) else { throw HTTPError.validation(field: "cursor", "is not a cursor from this list") }
                cursor = decoded
            }
            return try .json(try await service.list(context, search: request.queryValue("q"), limit: limit, cursor: cursor))
        }
        routes.post("/users", maxBodyBytes: 16 * 1024) { request in
            let context = try await context(request)
            let user = try await service.create(context, try request.decodeJSON(UsersService.CreateRequest.self))
            return try .json(user, status: .created, headers: [
                "Location": "/api/v1/tenants/\(context.tenantID.lowercased)/users/\(user.id)", "ETag": Versioning.etag(user.version)])
        }
        routes.light.get("/users/{id}") { request in
            let context = try await context(request)
            let user = try await service.get(context, id: try Self.id(request))
            return try .json(user, headers: ["ETag": Versioning.etag(user.version)])
        }
        routes.patch("/users/{id}", maxBodyBytes: 16 * 1024) { request in
            let context = try await context(request)
            let user = try await service.update(context, id: try Self.id(request), request: request)
            return try .json(user, headers: ["ETag": Versioning.etag(user.version)])
        }
        routes.get("/users/{id}/dependents") { request in
            let context = try await context(request)
            return try .json(try await service.dependents(context, id: try Self.id(request)))
        }
        routes.delete("/users/{id}") { request in
            let context = try await context(request)
            try await service.delete(context, id: try Self.id(request), request: request)
            return .noContent()
        }
    }

    private func context(_ request: HTTPRequest) async throws -> TenantContext {
        try await TenantContext.resolve(request, tenants: tenants, database: database)
    }

    static func id(_ request: HTTPRequest) throws -> UUID {
        guard let id = UUID(uuidString: try request.parameter("id")) else { throw HTTPError(.notFound, detail: "There is no such user.") }
        return id
    }

    /// `?limit=` (default 50, 1 to 500).
    static func limit(_ request: HTTPRequest) throws -> Int {
        guard let text = request.queryValue("limit") else { return 50 }
        guard let limit = Int(text), (1...500).contains(limit) else { throw HTTPError.validation(field: "limit", "must be 1 to 500") }
        return limit
    }
}
