import Foundation
import HTTPServer

/// `/api/v1/tenants/{tenantId}/extensions` (EXT-1, EXT-2).
struct ExtensionsRoutes: RouteCollection {
    let service: ExtensionsService
    let tenants: TenantsRepository
    let database: TenantDatabase

    func register(on routes: RouteGroup) {
        routes.light.get("/extensions") { request in
            let context = try await context(request)
            return try await service.list(context, kind: request.queryValue("kind"), search: request.queryValue("q"),
                                          limit: try UsersRoutes.limit(request), cursor: request.cursor)
        }
        routes.post("/extensions", maxBodyBytes: 8 * 1024) { request in
            let context = try await context(request)
            let created = try await service.create(context, request: request)
            return try .json(created, status: .created, headers: [
                "Location": "/api/v1/tenants/\(context.tenantID.lowercased)/extensions/\(created.extensionView.id)",
                "ETag": Versioning.etag(created.extensionView.version), "Cache-Control": "no-store"])
        }
        routes.light.get("/extensions/{id}") { request in
            let ext = try await service.get(try await context(request), id: try Self.id(request))
            return try .json(ext, headers: ["ETag": Versioning.etag(ext.version)])
        }
        // A write of a few fields waits for the database twice (alone) and computes little in
        // between: it stays on its loop too.
        routes.light.patch("/extensions/{id}", maxBodyBytes: 8 * 1024) { request in
            let ext = try await service.update(try await context(request), id: try Self.id(request), request: request)
            return try .json(ext, headers: ["ETag": Versioning.etag(ext.version)])
        }
        routes.delete("/extensions/{id}") { request in
            try await service.delete(try await context(request), id: try Self.id(request))
            return .noContent()
        }
        routes.put("/extensions/{id}/sip-password", maxBodyBytes: 1024) { request in
            let result = try await service.newSIPPassword(try await context(request), id: try Self.id(request))
            return try .json(result, headers: ["Cache-Control": "no-store"])
        }
        routes.get("/extensions/{id}/devices") { request in
            let devices = try await service.devices(try await context(request), id: try Self.id(request))
            return try .json(ListPage(items: devices, nextCursor: nil, total: devices.count))
        }
    }

    private func context(_ request: HTTPRequest) async throws -> TenantContext {
        try await TenantContext.resolve(request, tenants: tenants, database: database)
    }

    static func id(_ request: HTTPRequest) throws -> UUID {
        guard let id = UUID(uuidString: try request.parameter("id")) else { throw HTTPError(.notFound, detail: "There is no such extension.") }
        return id
    }
}
