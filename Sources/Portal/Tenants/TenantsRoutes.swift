import Foundation
import HTTPServer

/// `/api/v1/tenants` and `/api/v1/tenants/{tenantId}` (TEN-1).
struct TenantsRoutes: RouteCollection {
    let service: TenantsService
    let tenants: TenantsRepository
    let database: TenantDatabase


    func register(on routes: RouteGroup) {
        routes.get("/tenants") { request in
            let items = try await service.list(try request.identity())
            return try .json(ListPage<TenantView>(items: items, nextCursor: nil, total: items.count))
        }
        routes.post("/tenants", maxBodyBytes: 16 * 1024) { request in
            let tenant = try await service.create(try request.identity(), request: request)
            return try .json(tenant, status: .created, headers: ["Location": "/api/v1/tenants/\(tenant.id)", "ETag": Versioning.etag(tenant.version)])
        }
        routes.get("/tenants/{tenantId}") { request in
            let tenant = try await service.get(try await context(request))
            return try .json(tenant, headers: ["ETag": Versioning.etag(tenant.version)])
        }
        routes.patch("/tenants/{tenantId}", maxBodyBytes: 16 * 1024) { request in
            let tenant = try await service.update(try await context(request), request: request)
            return try .json(tenant, headers: ["ETag": Versioning.etag(tenant.version)])
        }
        routes.delete("/tenants/{tenantId}") { request in
            try await service.delete(try await context(request), request: request)
            return .noContent()
        }
    }

    private func context(_ request: HTTPRequest) async throws -> TenantContext {
        try await TenantContext.resolve(request, tenants: tenants, database: database)
    }
}
