import Foundation
import HTTPServer
import Postgres

/// `/api/v1/media-nodes` (operators): the Asterisk nodes, each with its agent's URL and the
/// shared secret, and which tenants each serves.
struct MediaNodesRoutes: RouteCollection {
    let repository: DeploymentsRepository
    let database: TenantDatabase

    struct Fields: Decodable {
        var name: String?
        var url: String?
        var secret: String?
    }

    func register(on routes: RouteGroup) {
        routes.get("/media-nodes") { request in
            let scope = try operatorScope(request)
            let nodes = try await database.transaction(scope) { try await repository.nodes(on: $0) }
            return try .json(ListPage(items: nodes, nextCursor: nil, total: nodes.count))
        }
        routes.post("/media-nodes", maxBodyBytes: 4096) { request in
            let scope = try operatorScope(request)
            let (name, url, secret) = try Self.validate(try request.decodeJSON(Fields.self), requireSecret: true)
            let node = try await unique { try await database.transaction(scope) { try await repository.createNode(name: name, url: url, secret: secret ?? "", on: $0) } }
            return try .json(node, status: .created, headers: ["Location": "/api/v1/media-nodes/\(node.id)", "ETag": Versioning.etag(node.version)])
        }
        routes.get("/media-nodes/{id}") { request in
            let scope = try operatorScope(request)
            let id = try Self.id(request)
            guard let node = try await database.transaction(scope, { try await repository.node(id, on: $0) }) else { throw HTTPError(.notFound) }
            return try .json(node, headers: ["ETag": Versioning.etag(node.version)])
        }
        routes.patch("/media-nodes/{id}", maxBodyBytes: 4096) { request in
            let scope = try operatorScope(request)
            let id = try Self.id(request)
            _ = try MergePatch(request, allowed: ["name", "url", "secret"])
            let patch = try request.decodeJSON(Fields.self)
            let node = try await unique {
                try await database.transaction(scope) { c -> MediaNode in
                    guard let current = try await repository.node(id, on: c) else { throw HTTPError(.notFound) }
                    try Versioning.check(request, current: current.version)
                    let (name, url, secret) = try Self.validate(Fields(name: patch.name ?? current.name, url: patch.url ?? current.url, secret: patch.secret),
                                                                requireSecret: false)
                    guard let updated = try await repository.updateNode(id, name: name, url: url, secret: secret, on: c) else { throw HTTPError(.notFound) }
                    return updated
                }
            }
            return try .json(node, headers: ["ETag": Versioning.etag(node.version)])
        }
        routes.delete("/media-nodes/{id}") { request in
            let scope = try operatorScope(request)
            let id = try Self.id(request)
            guard try await database.transaction(scope, { try await repository.deleteNode(id, on: $0) }) else { throw HTTPError(.notFound) }
            return .noContent()
        }
        routes.put("/media-nodes/{id}/tenants/{tenantId}") { request in
            let scope = try operatorScope(request)
            let id = try Self.id(request)
            guard let tenant = UUID(uuidString: try request.parameter("tenantId")) else { throw HTTPError(.notFound) }
            try await database.transaction(.operatorScope(user: scope.userID, tenant: tenant)) { c in
                guard try await repository.node(id, on: c) != nil, try await repository.tenantState(tenant, on: c) != nil else { throw HTTPError(.notFound) }
                try await repository.assign(tenant, node: id, on: c)
            }
            return .noContent()
        }
        routes.delete("/media-nodes/{id}/tenants/{tenantId}") { request in
            let scope = try operatorScope(request)
            let id = try Self.id(request)
            guard let tenant = UUID(uuidString: try request.parameter("tenantId")),
                  try await database.transaction(.operatorScope(user: scope.userID, tenant: tenant), { try await repository.unassign(tenant, node: id, on: $0) })
            else { throw HTTPError(.notFound) }
            return .noContent()
        }
    }

    func operatorScope(_ request: HTTPRequest) throws -> TenantDatabase.Scope {
        let identity = try request.identity()
        guard identity.isOperator else { throw HTTPError(.forbidden, detail: "Media nodes are managed by platform operators.") }
        return .operatorScope(user: identity.userID)
    }

    func unique<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as PostgresError where error.isUniqueViolation {
            throw HTTPError(.conflict, detail: "Another media node has this name.", errors: [.init(field: "name", message: "is already used")])
        }
    }

    static func id(_ request: HTTPRequest) throws -> UUID {
        guard let id = UUID(uuidString: try request.parameter("id")) else { throw HTTPError(.notFound) }
        return id
    }

    static func validate(_ f: Fields, requireSecret: Bool) throws -> (String, String, String?) {
        var errors: [ProblemDetails.FieldError] = []
        let name = (f.name ?? "").trimmingCharacters(in: .whitespaces)
        if name.isEmpty || name.count > 100 { errors.append(.init(field: "name", message: "is required, up to 100 characters")) }
        let url = f.url ?? ""
        if (try? HTTPClient.split(url)) == nil { errors.append(.init(field: "url", message: "must be the agent's http:// address, e.g. http://10.0.0.5:8090")) }
        if let secret = f.secret, secret.count < 16 { errors.append(.init(field: "secret", message: "must have at least 16 characters")) }
        if requireSecret && f.secret == nil { errors.append(.init(field: "secret", message: "is required")) }
        guard errors.isEmpty else { throw HTTPError(.unprocessableContent, detail: "The media node is not valid.", errors: errors) }
        return (name, url, f.secret)
    }
}
