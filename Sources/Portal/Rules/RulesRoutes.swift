import Foundation
import HTTPServer
import Telephony

/// `/api/v1/tenants/{t}/extensions/{id}/rules`, `…/rules/{rid}` and `PUT …/rules/order`.
struct RulesRoutes: RouteCollection {
    let service: RulesService
    let tenants: TenantsRepository
    let database: TenantDatabase

    struct Order: Decodable {
        var ids: [String]
    }

    func register(on routes: RouteGroup) {
        routes.get("/extensions/{id}/rules") { request in
            let (context, ext) = try await scope(request)
            let items = try await service.list(context, extension: ext)
            return try .json(ListPage(items: items, nextCursor: nil, total: items.count))
        }
        routes.post("/extensions/{id}/rules", maxBodyBytes: 16 * 1024) { request in
            let (context, ext) = try await scope(request)
            let rule = try await service.create(context, extension: ext, rule: try request.decodeJSON(IncomingRule.self))
            return try .json(rule, status: .created, headers: [
                "Location": "/api/v1/tenants/\(context.tenantID.lowercased)/extensions/\(ext.lowercased)/rules/\(rule.id)",
                "ETag": Versioning.etag(rule.version)])
        }
        routes.put("/extensions/{id}/rules/order", maxBodyBytes: 16 * 1024) { request in
            let (context, ext) = try await scope(request)
            let body = try request.decodeJSON(Order.self)
            var ids: [UUID] = []
            for (index, text) in body.ids.enumerated() {
                guard let id = UUID(uuidString: text) else { throw HTTPError.validation(field: "ids[\(index)]", "is not a rule ID") }
                ids.append(id)
            }
            let items = try await service.reorder(context, extension: ext, ids: ids)
            return try .json(ListPage(items: items, nextCursor: nil, total: items.count))
        }
        routes.get("/extensions/{id}/rules/{ruleId}") { request in
            let (context, ext) = try await scope(request)
            let rule = try await service.get(context, extension: ext, id: try Self.ruleID(request))
            return try .json(rule, headers: ["ETag": Versioning.etag(rule.version)])
        }
        routes.patch("/extensions/{id}/rules/{ruleId}", maxBodyBytes: 16 * 1024) { request in
            let (context, ext) = try await scope(request)
            let rule = try await service.update(context, extension: ext, id: try Self.ruleID(request), request: request)
            return try .json(rule, headers: ["ETag": Versioning.etag(rule.version)])
        }
        routes.delete("/extensions/{id}/rules/{ruleId}") { request in
            let (context, ext) = try await scope(request)
            try await service.delete(context, extension: ext, id: try Self.ruleID(request))
            return .noContent()
        }
    }

    private func scope(_ request: HTTPRequest) async throws -> (TenantContext, UUID) {
        (try await TenantContext.resolve(request, tenants: tenants, database: database), try ExtensionsRoutes.id(request))
    }

    static func ruleID(_ request: HTTPRequest) throws -> UUID {
        guard let id = UUID(uuidString: try request.parameter("ruleId")) else { throw HTTPError(.notFound, detail: "There is no such rule.") }
        return id
    }
}
