import Foundation
import HTTPServer

/// `/api/v1/tenants/{tenantId}/intervals` (INT-1): list with search, create, read, change,
/// delete, and `POST …/intervals/delete {ids}` for several at once (all or nothing).
struct IntervalsRoutes: RouteCollection {
    let service: IntervalsService
    let tenants: TenantsRepository
    let database: TenantDatabase

    struct BulkDelete: Decodable {
        var ids: [String]
    }

    func register(on routes: RouteGroup) {
        routes.light.get("/intervals") { request in
            let context = try await context(request)
            var errors = FieldErrors()
            var cursor: NameCursor?
            if let text = request.cursor {
                cursor = NameCursor(encoded: text)
                if cursor == nil { errors.add("cursor", "is not a cursor from this list") }
            }
            var owner: UUID?
            if let text = request.queryValue("owner") {
                owner = UUID(uuidString: text)
                if owner == nil { errors.add("owner", "must be a user ID") }
            }
            try errors.throwIfAny()
            return try await service.list(context, owner: owner, search: request.queryValue("q"), limit: try UsersRoutes.limit(request), cursor: cursor)
        }
        routes.post("/intervals", maxBodyBytes: 8 * 1024) { request in
            let context = try await context(request)
            let interval = try await service.create(context, request: request)
            return try .json(interval, status: .created, headers: [
                "Location": "/api/v1/tenants/\(context.tenantID.lowercased)/intervals/\(interval.id)", "ETag": Versioning.etag(interval.version)])
        }
        routes.post("/intervals/delete", maxBodyBytes: 64 * 1024) { request in
            let context = try await context(request)
            let body = try request.decodeJSON(BulkDelete.self)
            var ids: [UUID] = []
            for (index, text) in body.ids.enumerated() {
                guard let id = UUID(uuidString: text) else { throw HTTPError.validation(field: "ids[\(index)]", "is not an interval ID") }
                ids.append(id)
            }
            try await service.delete(context, ids: ids)
            return .noContent()
        }
        routes.light.get("/intervals/{id}") { request in
            let interval = try await service.get(try await context(request), id: try Self.id(request))
            return try .json(interval, headers: ["ETag": Versioning.etag(interval.version)])
        }
        routes.patch("/intervals/{id}", maxBodyBytes: 8 * 1024) { request in
            let interval = try await service.update(try await context(request), id: try Self.id(request), request: request)
            return try .json(interval, headers: ["ETag": Versioning.etag(interval.version)])
        }
        routes.delete("/intervals/{id}") { request in
            try await service.delete(try await context(request), ids: [try Self.id(request)])
            return .noContent()
        }
    }

    private func context(_ request: HTTPRequest) async throws -> TenantContext {
        try await TenantContext.resolve(request, tenants: tenants, database: database)
    }

    static func id(_ request: HTTPRequest) throws -> UUID {
        guard let id = UUID(uuidString: try request.parameter("id")) else { throw HTTPError(.notFound, detail: "There is no such interval.") }
        return id
    }
}
