import Foundation
import HTTPServer

/// `/api/v1/tenants/{tenantId}/ivrs/{ivrId}/contexts` (IVR-1, IVR-2): an IVR extension's
/// contexts and their options.
struct IVRRoutes: RouteCollection {
    let service: IVRService
    let tenants: TenantsRepository
    let database: TenantDatabase

    func register(on routes: RouteGroup) {
        routes.get("/ivrs/{ivrId}/contexts") { request in
            let items = try await service.list(try await context(request), ivr: try Self.uuid(request, "ivrId"))
            return try .json(ListPage(items: items, nextCursor: nil, total: items.count))
        }
        routes.post("/ivrs/{ivrId}/contexts", maxBodyBytes: 4096) { request in
            let context = try await context(request)
            let ivr = try Self.uuid(request, "ivrId")
            let created = try await service.create(context, ivr: ivr, request: request)
            return try .json(created, status: .created, headers: [
                "Location": "/api/v1/tenants/\(context.tenantID.lowercased)/ivrs/\(ivr.lowercased)/contexts/\(created.id)",
                "ETag": Versioning.etag(created.version)])
        }
        routes.get("/ivrs/{ivrId}/contexts/{id}") { request in
            let found = try await service.get(try await context(request), ivr: try Self.uuid(request, "ivrId"), id: try Self.uuid(request, "id"))
            return try .json(found, headers: ["ETag": Versioning.etag(found.version)])
        }
        routes.patch("/ivrs/{ivrId}/contexts/{id}", maxBodyBytes: 4096) { request in
            let updated = try await service.update(try await context(request), ivr: try Self.uuid(request, "ivrId"), id: try Self.uuid(request, "id"),
                                                   request: request)
            return try .json(updated, headers: ["ETag": Versioning.etag(updated.version)])
        }
        routes.delete("/ivrs/{ivrId}/contexts/{id}") { request in
            try await service.delete(try await context(request), ivr: try Self.uuid(request, "ivrId"), id: try Self.uuid(request, "id"))
            return .noContent()
        }
        routes.put("/ivrs/{ivrId}/contexts/{id}/options/{key}", maxBodyBytes: 64 * 1024) { request in
            let updated = try await service.setOption(try await context(request), ivr: try Self.uuid(request, "ivrId"), id: try Self.uuid(request, "id"),
                                                      key: try request.parameter("key"), request: request)
            return try .json(updated, headers: ["ETag": Versioning.etag(updated.version)])
        }
    }

    private func context(_ request: HTTPRequest) async throws -> TenantContext {
        try await TenantContext.resolve(request, tenants: tenants, database: database)
    }

    static func uuid(_ request: HTTPRequest, _ name: String) throws -> UUID {
        guard let id = UUID(uuidString: try request.parameter(name)) else { throw HTTPError(.notFound, detail: "There is no such \(name == "ivrId" ? "IVR" : "context").") }
        return id
    }
}
