import Foundation
import HTTPServer
import Postgres
import Telephony

/// `/api/v1/tenants/{tenantId}/call-flows` (IVR-5), admins only: a public number routed through
/// actions (`{"type": "callFlow", "id": …}`) without an IVR extension.
struct CallFlowsRoutes: RouteCollection {
    let flows: CallFlowsRepository
    let references: ReferenceChecker
    let tenants: TenantsRepository
    let database: TenantDatabase
    let audit: AuditRecorder

    struct Body: Codable {
        var name: String
        var actions: [MenuAction]
    }

    func register(on routes: RouteGroup) {
        routes.get("/call-flows") { request in
            let context = try await adminContext(request)
            let items = try await database.read(context.scope) { try await flows.list(on: $0) }
            return try .json(ListPage(items: items, nextCursor: nil, total: items.count))
        }
        routes.post("/call-flows", maxBodyBytes: 64 * 1024) { request in
            let context = try await adminContext(request)
            _ = try MergePatch(request, allowed: ["name", "actions"])
            let body = try Self.checked(try request.decodeJSON(Body.self))
            let flow = try await Self.mappingConflicts {
                try await database.transaction(context.scope) { c in
                    try await references.check(MenuAction.references(body.actions, path: "actions"), contextsOf: nil, on: c)
                    let id = try await flows.create(name: body.name, actions: body.actions, tenantID: context.tenantID, on: c)
                    guard let flow = try await flows.find(id, on: c) else { throw HTTPError(.internalServerError) }
                    try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "callFlow", entityID: flow.id, action: .create,
                                           before: nil, after: try AuditValue.fields(of: body), on: c)
                    return flow
                }
            }
            return try .json(flow, status: .created, headers: [
                "Location": "/api/v1/tenants/\(context.tenantID.lowercased)/call-flows/\(flow.id)", "ETag": Versioning.etag(flow.version)])
        }
        routes.get("/call-flows/{id}") { request in
            let context = try await adminContext(request)
            let flow = try await database.transaction(context.scope) { try await find(request, on: $0) }
            return try .json(flow, headers: ["ETag": Versioning.etag(flow.version)])
        }
        routes.patch("/call-flows/{id}", maxBodyBytes: 64 * 1024) { request in
            let context = try await adminContext(request)
            _ = try MergePatch(request, allowed: ["name", "actions"])
            let flow = try await Self.mappingConflicts {
                try await database.transaction(context.scope) { c in
                    let current = try await find(request, forUpdate: true, on: c)
                    try Versioning.check(request, current: current.version)
                    let before = Body(name: current.name, actions: current.actions)
                    let next = try Self.checked(try JSONMerge.patched(before, with: request))
                    try await references.check(MenuAction.references(next.actions, path: "actions"), contextsOf: nil, on: c)
                    guard let id = UUID(uuidString: current.id) else { throw HTTPError(.notFound) }
                    try await flows.update(id, name: next.name, actions: next.actions, on: c)
                    guard let updated = try await flows.find(id, on: c) else { throw HTTPError(.notFound) }
                    try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "callFlow", entityID: updated.id, action: .update,
                                           before: try AuditValue.fields(of: before), after: try AuditValue.fields(of: next), on: c)
                    return updated
                }
            }
            return try .json(flow, headers: ["ETag": Versioning.etag(flow.version)])
        }
        routes.delete("/call-flows/{id}") { request in
            let context = try await adminContext(request)
            try await database.transaction(context.scope) { c in
                let current = try await find(request, forUpdate: true, on: c)
                guard let id = UUID(uuidString: current.id) else { throw HTTPError(.notFound) }
                let users = try await DestinationUsersRepository().users(of: id, on: c)
                if !users.isEmpty {
                    throw HTTPError(.conflict, type: "in-use", detail: "\(current.name) is used by \(users.joined(separator: ", ")); route those elsewhere first.")
                }
                try await flows.delete(id, on: c)
                try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "callFlow", entityID: current.id, action: .delete,
                                       before: ["name": .string(current.name)], after: nil, on: c)
            }
            return .noContent()
        }
    }

    /// Name and actions checked; the name trimmed.
    static func checked(_ body: Body) throws -> Body {
        var errors = FieldErrors()
        let name = body.name.trimmingCharacters(in: .whitespaces)
        if name.isEmpty || name.count > 100 { errors.add("name", "must have 1 to 100 characters") }
        else if let problem = TextSink.displayProblem(name) { errors.add("name", problem) }
        if body.actions.isEmpty { errors.add("actions", "a call flow needs at least one action") }
        for p in MenuAction.problems(body.actions, path: "actions", allowGoto: false) { errors.add(p.field, p.message) }
        try errors.throwIfAny()
        return Body(name: name, actions: body.actions)
    }

    private func adminContext(_ request: HTTPRequest) async throws -> TenantContext {
        let context = try await TenantContext.resolve(request, tenants: tenants, database: database)
        try context.requireAdmin()
        return context
    }

    private func find(_ request: HTTPRequest, forUpdate: Bool = false, on c: PostgresConnection) async throws -> CallFlowView {
        guard let id = UUID(uuidString: try request.parameter("id")), let flow = try await flows.find(id, forUpdate: forUpdate, on: c) else {
            throw HTTPError(.notFound, detail: "There is no such call flow.")
        }
        return flow
    }

    static func mappingConflicts<T>(_ body: () async throws -> T) async throws -> T {
        try await UniqueConflicts.mapping(["call_flows_name_key": .init(field: "name", detail: "Another call flow has that name.")], body)
    }
}
