import Foundation
import HTTPServer

/// `/api/v1/tenants/{tenantId}/queues` (QUE-1): the tenant's queues.
struct QueuesRoutes: RouteCollection {
    let service: QueuesService
    let tenants: TenantsRepository
    let database: TenantDatabase

    func register(on routes: RouteGroup) {
        routes.light.get("/queues") { request in
            let items = try await service.list(try await context(request))
            return try .json(ListPage(items: items, nextCursor: nil, total: items.count))
        }
        routes.post("/queues", maxBodyBytes: 16 * 1024) { request in
            let context = try await context(request)
            let queue = try await service.create(context, request: request)
            return try .json(queue, status: .created, headers: [
                "Location": "/api/v1/tenants/\(context.tenantID.lowercased)/queues/\(queue.id)", "ETag": Versioning.etag(queue.version)])
        }
        routes.light.get("/queues/{id}") { request in
            let queue = try await service.get(try await context(request), id: try Self.id(request))
            return try .json(queue, headers: ["ETag": Versioning.etag(queue.version)])
        }
        routes.patch("/queues/{id}", maxBodyBytes: 16 * 1024) { request in
            let queue = try await service.update(try await context(request), id: try Self.id(request), request: request)
            return try .json(queue, headers: ["ETag": Versioning.etag(queue.version)])
        }
        routes.delete("/queues/{id}") { request in
            try await service.delete(try await context(request), id: try Self.id(request))
            return .noContent()
        }
    }

    private func context(_ request: HTTPRequest) async throws -> TenantContext {
        try await TenantContext.resolve(request, tenants: tenants, database: database)
    }

    static func id(_ request: HTTPRequest, _ name: String = "id") throws -> UUID {
        guard let id = UUID(uuidString: try request.parameter(name)) else { throw HTTPError(.notFound, detail: "There is no such queue.") }
        return id
    }
}
