import Foundation
import HTTPServer

/// `/api/v1/tenants/{tenantId}/queues/{id}/agents` (QUE-2, QUE-3, QUE-5).
struct QueueAgentsRoutes: RouteCollection {
    let service: QueueAgentsService
    let tenants: TenantsRepository
    let database: TenantDatabase

    struct Removal: Decodable { var ids: [String] }
    struct Removed: Encodable {
        var removed: Int
        var nodes: [NodeCommander.Outcome]
    }

    func register(on routes: RouteGroup) {
        routes.get("/queues/{id}/agents") { request in
            let items = try await service.list(try await context(request), queue: try QueuesRoutes.id(request))
            return try .json(ListPage(items: items, nextCursor: nil, total: items.count))
        }
        routes.post("/queues/{id}/agents", maxBodyBytes: 4096) { request in
            let context = try await context(request)
            let queue = try QueuesRoutes.id(request)
            let agent = try await service.add(context, queue: queue, request: request)
            return try .json(agent, status: .created, headers: [
                "Location": "/api/v1/tenants/\(context.tenantID.lowercased)/queues/\(queue.lowercased)/agents/\(agent.id)",
                "ETag": Versioning.etag(agent.version)])
        }
        routes.patch("/queues/{id}/agents/{agentId}", maxBodyBytes: 4096) { request in
            let agent = try await service.update(try await context(request), queue: try QueuesRoutes.id(request),
                                                 id: try Self.agentID(request), request: request)
            return try .json(agent, headers: ["ETag": Versioning.etag(agent.version)])
        }
        routes.delete("/queues/{id}/agents/{agentId}") { request in
            _ = try await service.remove(try await context(request), queue: try QueuesRoutes.id(request), ids: [try Self.agentID(request)])
            return .noContent()
        }
        // "Remove selected": all the listed agents or none.
        routes.post("/queues/{id}/agents/remove", maxBodyBytes: 64 * 1024) { request in
            let body = try request.decodeJSON(Removal.self)
            var ids: [UUID] = []
            for (i, text) in body.ids.enumerated() {
                guard let id = UUID(uuidString: text) else { throw HTTPError.validation(field: "ids[\(i)]", "is not an agent ID") }
                ids.append(id)
            }
            let nodes = try await service.remove(try await context(request), queue: try QueuesRoutes.id(request), ids: ids)
            return try .json(Removed(removed: ids.count, nodes: nodes))
        }
        routes.put("/queues/{id}/agents/{agentId}/state", maxBodyBytes: 1024) { request in
            let body = try request.decodeJSON(QueueAgentsService.StateRequest.self)
            let change = try await service.changeState(try await context(request), queue: try QueuesRoutes.id(request),
                                                       id: try Self.agentID(request), body: body)
            return try .json(change)
        }
    }

    private func context(_ request: HTTPRequest) async throws -> TenantContext {
        try await TenantContext.resolve(request, tenants: tenants, database: database)
    }

    static func agentID(_ request: HTTPRequest) throws -> UUID {
        guard let id = UUID(uuidString: try request.parameter("agentId")) else { throw HTTPError(.notFound, detail: "There is no such agent in this queue.") }
        return id
    }
}
