import Foundation
import HTTPServer
import Postgres
import Telephony

/// IVR-1 … IVR-3: the contexts of an IVR extension and the actions of their options. Admins
/// only. Exactly one context is the entry: the first one created is, and marking another moves
/// the mark. Every change is pending until applied (IVR-4, the tenant's deployment).
struct IVRService: Sendable {
    let database: TenantDatabase
    let contexts: IVRContextsRepository
    let references: ReferenceChecker
    let audit: AuditRecorder

    static let contextFields: Set<String> = ["name", "entry", "directDial", "timeoutSeconds", "maxRetries"]

    struct OptionBody: Decodable { var actions: [MenuAction] }

    func list(_ context: TenantContext, ivr: UUID) async throws -> [IVRContextView] {
        try context.requireAdmin()
        return try await database.read(context.scope) { c in
            try await requireIVR(ivr, on: c)
            return try await contexts.list(ivr: ivr, on: c)
        }
    }

    func get(_ context: TenantContext, ivr: UUID, id: UUID) async throws -> IVRContextView {
        try context.requireAdmin()
        return try await database.read(context.scope) { c in
            try await requireIVR(ivr, on: c)
            return try await find(id, ivr: ivr, on: c)
        }
    }

    func create(_ context: TenantContext, ivr: UUID, request: HTTPRequest) async throws -> IVRContextView {
        try context.requireAdmin()
        let patch = try MergePatch(request, allowed: Self.contextFields)
        return try await Self.mappingConflicts {
            try await database.transaction(context.scope) { c in
                try await requireIVR(ivr, forUpdate: true, on: c)
                let first = try await contexts.count(ivr: ivr, on: c) == 0
                var errors = FieldErrors()
                if case .absent = patch.string("name", errors: &errors) { errors.add("name", "is required") }
                var fields = Self.apply(patch, to: IVRContextFields(name: "", entry: first, directDial: false, timeoutSeconds: 5, maxRetries: 2),
                                        &errors)
                try errors.throwIfAny()
                if first { fields.entry = true } else if fields.entry { try await contexts.clearEntry(ivr: ivr, on: c) }
                let id = try await contexts.create(ivr: ivr, tenantID: context.tenantID, fields, on: c)
                let created = try await find(id, ivr: ivr, on: c)
                try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "ivrContext", entityID: created.id, action: .create,
                                       before: nil, after: Self.auditValues(fields), on: c)
                return created
            }
        }
    }

    func update(_ context: TenantContext, ivr: UUID, id: UUID, request: HTTPRequest) async throws -> IVRContextView {
        try context.requireAdmin()
        let patch = try MergePatch(request, allowed: Self.contextFields)
        return try await Self.mappingConflicts {
            try await database.transaction(context.scope) { c in
                try await requireIVR(ivr, forUpdate: true, on: c)
                let current = try await find(id, ivr: ivr, forUpdate: true, on: c)
                try Versioning.check(request, current: current.version)
                let before = IVRContextFields(name: current.name, entry: current.entry, directDial: current.directDial,
                                              timeoutSeconds: current.timeoutSeconds, maxRetries: current.maxRetries)
                var errors = FieldErrors()
                let after = Self.apply(patch, to: before, &errors)
                if before.entry, !after.entry { errors.add("entry", "an IVR always has one entry context: mark another one as the entry instead") }
                try errors.throwIfAny()
                if after.entry, !before.entry { try await contexts.clearEntry(ivr: ivr, on: c) }
                try await contexts.update(id, after, on: c)
                let updated = try await find(id, ivr: ivr, on: c)
                let old = Self.auditValues(before), new = Self.auditValues(after)
                let changed = new.keys.filter { old[$0] != new[$0] }
                if !changed.isEmpty {
                    try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "ivrContext", entityID: updated.id,
                                           action: .update, before: old.filter { changed.contains($0.key) },
                                           after: new.filter { changed.contains($0.key) }, on: c)
                }
                return updated
            }
        }
    }

    /// Refused while another context goes to this one; deleting the entry passes the mark on.
    func delete(_ context: TenantContext, ivr: UUID, id: UUID) async throws {
        try context.requireAdmin()
        try await database.transaction(context.scope) { c in
            try await requireIVR(ivr, forUpdate: true, on: c)
            let current = try await find(id, ivr: ivr, forUpdate: true, on: c)
            let users = try await contexts.gotoUsers(of: id, ivr: ivr, on: c)
            if !users.isEmpty {
                throw HTTPError(.conflict, type: "in-use", detail: "\(current.name) is the target of \(users.joined(separator: ", ")); change those first.")
            }
            try await contexts.delete(id, ivr: ivr, on: c)
            try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "ivrContext", entityID: current.id, action: .delete,
                                   before: ["name": .string(current.name)], after: nil, on: c)
        }
    }

    /// IVR-2: replaces one option's actions (an empty list clears it).
    func setOption(_ context: TenantContext, ivr: UUID, id: UUID, key: String, request: HTTPRequest) async throws -> IVRContextView {
        try context.requireAdmin()
        guard IVRContextsRepository.keys.contains(key) else {
            throw HTTPError(.notFound, detail: "There is no option \(key): options are \(IVRContextsRepository.keys.joined(separator: ", ")).")
        }
        let body = try request.decodeJSON(OptionBody.self)
        var errors = FieldErrors()
        for p in MenuAction.problems(body.actions, path: "actions") { errors.add(p.field, p.message) }
        try errors.throwIfAny()
        return try await database.transaction(context.scope) { c in
            try await requireIVR(ivr, on: c)
            let current = try await find(id, ivr: ivr, forUpdate: true, on: c)
            try Versioning.check(request, current: current.version)
            try await references.check(MenuAction.references(body.actions, path: "actions"), contextsOf: ivr, on: c)
            try await contexts.setOption(id, tenantID: context.tenantID, key: key, actions: body.actions, on: c)
            let before = current.options.first { $0.key == key }?.actions ?? []
            try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "ivrOption", entityID: current.id, action: .update,
                                   before: ["key": .string(key), "actions": .string(Self.json(before))],
                                   after: ["key": .string(key), "actions": .string(Self.json(body.actions))], on: c)
            return try await find(id, ivr: ivr, on: c)
        }
    }

    private func find(_ id: UUID, ivr: UUID, forUpdate: Bool = false, on c: PostgresConnection) async throws -> IVRContextView {
        guard let found = try await contexts.find(id, ivr: ivr, forUpdate: forUpdate, on: c) else {
            throw HTTPError(.notFound, detail: "There is no such context in this IVR.")
        }
        return found
    }

    private func requireIVR(_ id: UUID, forUpdate: Bool = false, on c: PostgresConnection) async throws {
        guard let ext = try await ExtensionsRepository().find(id, forUpdate: forUpdate, sipServer: "", on: c), ext.kind == "ivr" else {
            throw HTTPError(.notFound, detail: "There is no such IVR.")
        }
    }

    static func apply(_ patch: MergePatch, to fields: IVRContextFields, _ errors: inout FieldErrors) -> IVRContextFields {
        var f = fields
        switch patch.string("name", errors: &errors) {
        case .value(let name):
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.count > 100 { errors.add("name", "must have 1 to 100 characters") }
            else if let problem = TextSink.displayProblem(trimmed) { errors.add("name", problem) } else { f.name = trimmed }
        case .null: errors.add("name", "must have 1 to 100 characters")
        case .absent: break
        }
        f.entry = patch.bool("entry", default: f.entry, errors: &errors)
        f.directDial = patch.bool("directDial", default: f.directDial, errors: &errors)
        switch patch.integer("timeoutSeconds", errors: &errors) {
        case .value(let s) where (1...60).contains(s): f.timeoutSeconds = s
        case .value, .null: errors.add("timeoutSeconds", "must be 1 to 60 seconds")
        case .absent: break
        }
        switch patch.integer("maxRetries", errors: &errors) {
        case .value(let n) where (0...10).contains(n): f.maxRetries = n
        case .value, .null: errors.add("maxRetries", "must be 0 to 10")
        case .absent: break
        }
        return f
    }

    static func auditValues(_ f: IVRContextFields) -> [String: AuditValue] {
        ["name": .string(f.name), "entry": .bool(f.entry), "directDial": .bool(f.directDial), "timeoutSeconds": .int(f.timeoutSeconds),
         "maxRetries": .int(f.maxRetries)]
    }

    static func json(_ actions: [MenuAction]) -> String {
        (try? JSONCoding.encode(actions)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }

    static func mappingConflicts<T>(_ body: () async throws -> T) async throws -> T {
        try await UniqueConflicts.mapping(["ivr_contexts_name_key": .init(field: "name", detail: "Another context of this IVR has that name.")], body)
    }
}
