import Foundation
import HTTPServer
import Postgres
import Telephony

/// `/api/v1/tenants/{tenantId}/extension-groups` (EXT-5), admins only: named, ordered sets of
/// phone extensions that calls can be routed to (`{"type": "group", "id": …}`).
struct ExtensionGroupsRoutes: RouteCollection {
    let groups: ExtensionGroupsRepository
    let extensions: ExtensionsRepository
    let tenants: TenantsRepository
    let database: TenantDatabase
    let audit: AuditRecorder

    func register(on routes: RouteGroup) {
        routes.get("/extension-groups") { request in
            let context = try await adminContext(request)
            let items = try await database.read(context.scope) { try await groups.list(on: $0) }
            return try .json(ListPage(items: items, nextCursor: nil, total: items.count))
        }
        routes.post("/extension-groups", maxBodyBytes: 16 * 1024) { request in
            let context = try await adminContext(request)
            let patch = try MergePatch(request, allowed: ["name", "extensionIds"])
            let group = try await Self.mappingConflicts {
                try await database.transaction(context.scope) { connection -> ExtensionGroupView in
                    var errors = FieldErrors()
                    let name = MergePatch.required("name", patch.string("name", errors: &errors), &errors) ?? ""
                    let members = try await memberIDs(patch, required: true, errors: &errors, on: connection) ?? []
                    Self.checkName(name, &errors)
                    try errors.throwIfAny()
                    let id = try await groups.create(name: name.trimmingCharacters(in: .whitespaces), tenantID: context.tenantID, on: connection)
                    try await groups.setMembers(id, tenantID: context.tenantID, extensions: members, on: connection)
                    guard let group = try await groups.find(id, on: connection) else { throw HTTPError(.internalServerError) }
                    try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "extensionGroup", entityID: group.id,
                                           action: .create, before: nil, after: Self.auditValues(group), on: connection)
                    return group
                }
            }
            return try .json(group, status: .created, headers: [
                "Location": "/api/v1/tenants/\(context.tenantID.lowercased)/extension-groups/\(group.id)", "ETag": Versioning.etag(group.version)])
        }
        routes.get("/extension-groups/{id}") { request in
            let context = try await adminContext(request)
            let group = try await database.transaction(context.scope) { try await find(request, on: $0) }
            return try .json(group, headers: ["ETag": Versioning.etag(group.version)])
        }
        routes.patch("/extension-groups/{id}", maxBodyBytes: 16 * 1024) { request in
            let context = try await adminContext(request)
            let patch = try MergePatch(request, allowed: ["name", "extensionIds"])
            let group = try await Self.mappingConflicts {
                try await database.transaction(context.scope) { connection -> ExtensionGroupView in
                    let current = try await find(request, forUpdate: true, on: connection)
                    try Versioning.check(request, current: current.version)
                    guard let id = UUID(uuidString: current.id) else { throw HTTPError(.notFound) }
                    var errors = FieldErrors()
                    var name: String?
                    switch patch.string("name", errors: &errors) {
                    case .absent: break
                    case .null: errors.add("name", "cannot be empty")
                    case .value(let value): name = value
                    }
                    if let name { Self.checkName(name, &errors) }
                    let members = try await memberIDs(patch, required: false, errors: &errors, on: connection)
                    try errors.throwIfAny()
                    if let name { try await groups.rename(id, to: name.trimmingCharacters(in: .whitespaces), on: connection) }
                    if let members { try await groups.setMembers(id, tenantID: context.tenantID, extensions: members, on: connection) }
                    guard let updated = try await groups.find(id, on: connection) else { throw HTTPError(.notFound) }
                    try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "extensionGroup", entityID: updated.id,
                                           action: .update, before: Self.auditValues(current), after: Self.auditValues(updated), on: connection)
                    return updated
                }
            }
            return try .json(group, headers: ["ETag": Versioning.etag(group.version)])
        }
        routes.delete("/extension-groups/{id}") { request in
            let context = try await adminContext(request)
            try await database.transaction(context.scope) { connection in
                let current = try await find(request, forUpdate: true, on: connection)
                guard let id = UUID(uuidString: current.id) else { throw HTTPError(.notFound) }
                let users = try await groups.users(of: id, on: connection)
                if !users.isEmpty {
                    throw HTTPError(.conflict, type: "in-use", detail: "\(current.name) is used by \(users.joined(separator: ", ")); route those elsewhere first.")
                }
                try await groups.delete(id, on: connection)
                try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "extensionGroup", entityID: current.id,
                                       action: .delete, before: Self.auditValues(current), after: nil, on: connection)
            }
            return .noContent()
        }
    }

    private func adminContext(_ request: HTTPRequest) async throws -> TenantContext {
        let context = try await TenantContext.resolve(request, tenants: tenants, database: database)
        try context.requireAdmin()
        return context
    }

    private func find(_ request: HTTPRequest, forUpdate: Bool = false, on connection: PostgresConnection) async throws -> ExtensionGroupView {
        guard let id = UUID(uuidString: try request.parameter("id")), let group = try await groups.find(id, forUpdate: forUpdate, on: connection) else {
            throw HTTPError(.notFound, detail: "There is no such extension group.")
        }
        return group
    }

    /// `extensionIds`: distinct phone extensions of this tenant, in ring order.
    private func memberIDs(_ patch: MergePatch, required: Bool, errors: inout FieldErrors, on connection: PostgresConnection) async throws -> [UUID]? {
        guard let texts = Self.memberTexts(patch, required: required, errors: &errors) else { return nil }
        var ids: [UUID] = []
        for (index, text) in texts.enumerated() {
            guard let id = UUID(uuidString: text),
                  let ext = try await extensions.find(id, sipServer: "", on: connection), ext.kind == "phone" else {
                errors.add("extensionIds[\(index)]", "is not a phone extension of this tenant")
                continue
            }
            if ids.contains(id) { errors.add("extensionIds[\(index)]", "is listed twice") } else { ids.append(id) }
        }
        return ids
    }

    /// `extensionIds` as a list of strings (checked against the database by `memberIDs`).
    static func memberTexts(_ patch: MergePatch, required: Bool, errors: inout FieldErrors) -> [String]? {
        guard patch.keys.contains("extensionIds") else {
            if required { errors.add("extensionIds", "is required") }
            return nil
        }
        guard let data = try? JSONSerialization.data(withJSONObject: ["v": patch.rawValue("extensionIds") ?? NSNull()]),
              let decoded = try? JSONDecoder().decode([String: [String]].self, from: data), let texts = decoded["v"] else {
            errors.add("extensionIds", "must be a list of extension IDs")
            return nil
        }
        return texts
    }

    static func checkName(_ name: String, _ errors: inout FieldErrors) {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed.count > 100 { errors.add("name", "must have 1 to 100 characters") }
        else if let problem = TextSink.displayProblem(trimmed) { errors.add("name", problem) }
    }

    static func auditValues(_ g: ExtensionGroupView) -> [String: AuditValue] {
        ["name": .string(g.name), "extensionIds": .string(g.extensionIds.joined(separator: ","))]
    }

    static func mappingConflicts<T>(_ body: () async throws -> T) async throws -> T {
        try await UniqueConflicts.mapping(["extension_groups_name_key": .init(field: "name", detail: "Another group has that name.")], body)
    }
}
