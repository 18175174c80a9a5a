import Foundation
import HTTPServer
import Postgres
import Telephony

/// RUL-1, RUL-2: an extension's ordered rules. Admins manage every extension's rules, members
/// those of their own extensions. Intervals and destinations must exist in the tenant; a
/// keypad code is unique per extension (dialling *74N toggles that rule).
struct RulesService: Sendable {
    let database: TenantDatabase
    let rules: RulesRepository
    let intervals: IntervalsRepository
    let access: ExtensionAccess
    let destinations: DestinationChecker
    let audit: AuditRecorder

    func list(_ context: TenantContext, extension ext: UUID) async throws -> [RuleView] {
        try await database.read(context.scope) { connection in
            _ = try await access.resolve(ext, context, on: connection)
            return try await rules.list(extension: ext, on: connection)
        }
    }

    func get(_ context: TenantContext, extension ext: UUID, id: UUID) async throws -> RuleView {
        try await database.read(context.scope) { connection in
            _ = try await access.resolve(ext, context, on: connection)
            guard let rule = try await rules.find(id, extension: ext, on: connection) else { throw HTTPError(.notFound, detail: "There is no such rule.") }
            return rule
        }
    }

    func create(_ context: TenantContext, extension ext: UUID, rule: IncomingRule) async throws -> RuleView {
        try await Self.mappingConflicts {
            try await database.transaction(context.scope) { connection in
                let owner = try await access.resolve(ext, context, forUpdate: true, on: connection)
                try await validate(rule, context, on: connection)
                let created = try await rules.create(rule, extension: ext, tenantID: context.tenantID, on: connection)
                try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "rule", entityID: created.id, action: .create,
                                       before: nil, after: ["extension": .string(owner.number), "kind": .string(rule.kind.rawValue),
                                                            "position": .int(created.position)], on: connection)
                return created
            }
        }
    }

    func update(_ context: TenantContext, extension ext: UUID, id: UUID, request: HTTPRequest) async throws -> RuleView {
        try await Self.mappingConflicts {
            try await database.transaction(context.scope) { connection in
                _ = try await access.resolve(ext, context, forUpdate: true, on: connection)
                guard let current = try await rules.find(id, extension: ext, forUpdate: true, on: connection) else {
                    throw HTTPError(.notFound, detail: "There is no such rule.")
                }
                try Versioning.check(request, current: current.version)
                let next = try JSONMerge.patched(current.rule, with: request)
                try await validate(next, context, keeping: current.rule.intervalId, on: connection)
                guard let updated = try await rules.update(id, next, on: connection) else { throw HTTPError(.notFound) }
                try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "rule", entityID: updated.id, action: .update,
                                       before: ["enabled": .bool(current.rule.enabled), "kind": .string(current.rule.kind.rawValue)],
                                       after: ["enabled": .bool(next.enabled), "kind": .string(next.kind.rawValue)], on: connection)
                return updated
            }
        }
    }

    func delete(_ context: TenantContext, extension ext: UUID, id: UUID) async throws {
        try await database.transaction(context.scope) { connection in
            _ = try await access.resolve(ext, context, forUpdate: true, on: connection)
            guard let current = try await rules.find(id, extension: ext, forUpdate: true, on: connection) else {
                throw HTTPError(.notFound, detail: "There is no such rule.")
            }
            try await rules.delete(id, extension: ext, on: connection)
            try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "rule", entityID: current.id, action: .delete,
                                   before: ["kind": .string(current.rule.kind.rawValue), "position": .int(current.position)], after: nil, on: connection)
        }
    }

    /// All of the extension's rules, each once, in the new order — or nothing changes.
    func reorder(_ context: TenantContext, extension ext: UUID, ids: [UUID]) async throws -> [RuleView] {
        try await database.transaction(context.scope) { connection in
            _ = try await access.resolve(ext, context, forUpdate: true, on: connection)
            let current = try await rules.list(extension: ext, on: connection)
            guard Set(ids.map(\.lowercased)) == Set(current.map(\.id)), ids.count == current.count else {
                throw HTTPError.validation(field: "ids", "must list every rule of the extension exactly once")
            }
            try await rules.reorder(extension: ext, ids: ids, on: connection)
            try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "rule", entityID: ext.lowercased, action: .update,
                                   before: ["order": .string(current.map(\.id).joined(separator: ","))],
                                   after: ["order": .string(ids.map(\.lowercased).joined(separator: ","))], on: connection)
            return try await rules.list(extension: ext, on: connection)
        }
    }

    /// A member may only choose intervals they can read (their own); an interval the rule
    /// already had (`keeping`, set by an admin) stays. Either way one answer, so a member
    /// cannot tell someone else's interval from none.
    private func validate(_ rule: IncomingRule, _ context: TenantContext, keeping previous: String? = nil,
                          on connection: PostgresConnection) async throws {
        var errors = FieldErrors()
        for problem in rule.problems() { errors.add(problem.field, problem.message) }
        try errors.throwIfAny()
        if let interval = rule.intervalId, interval != previous {
            guard let id = UUID(uuidString: interval), let found = try await intervals.find(id, on: connection),
                  context.isAdmin || found.ownerId == context.identity.userID?.lowercased else {
                throw HTTPError.validation(field: "intervalId", "is not an interval of this tenant")
            }
        }
        if rule.soundId != nil { throw HTTPError.validation(field: "soundId", "there is no such sound in this tenant") }
        for (field, destination) in rule.destinations { try await destinations.check(destination, field: field, on: connection) }
    }

    static func mappingConflicts<T>(_ body: () async throws -> T) async throws -> T {
        try await UniqueConflicts.mapping(["rules_keypad_code_key": .init(field: "keypadCode", detail: "Another rule of this extension has that keypad code.", message: "is already used by another rule of this extension")], body)
    }
}
