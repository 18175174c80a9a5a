import Foundation
import HTTPServer
import Postgres
import Telephony

/// QUE-1, QUE-6: admins create, change and delete queues; a member sees the queues one of their
/// extensions is an agent of. A queue is an extension of kind `queue` (it counts against the
/// plan and takes an internal number) with its settings beside it.
struct QueuesService: Sendable {
    let database: TenantDatabase
    let queues: QueuesRepository
    let extensions: ExtensionsService
    let references: ReferenceChecker
    let audit: AuditRecorder

    func list(_ context: TenantContext) async throws -> [QueueView] {
        let owner: UUID? = context.isAdmin ? nil : try Self.member(context)
        return try await database.read(context.scope) { try await queues.list(agentOwner: owner, on: $0) }
    }

    func get(_ context: TenantContext, id: UUID) async throws -> QueueView {
        let owner: UUID? = context.isAdmin ? nil : try Self.member(context)
        return try await database.read(context.scope) { connection in
            guard let queue = try await queues.find(id, agentOwner: owner, on: connection) else { throw HTTPError(.notFound, detail: "There is no such queue.") }
            return queue
        }
    }

    func create(_ context: TenantContext, request: HTTPRequest) async throws -> QueueView {
        try context.requireAdmin()
        _ = try MergePatch(request, allowed: QueueDocument.fields)
        let document = try request.decodeJSON(QueueDocument.self)
        try Self.throwProblems(document)
        return try await ExtensionsService.mappingConflicts {
            try await database.transaction(context.scope) { connection in
                try await checkReferences(document.settings, on: connection)
                let fields = ExtensionsRepository.Fields(kind: "queue", ownerID: nil, number: document.number,
                                                         name: document.name.trimmingCharacters(in: .whitespaces), ringSeconds: 20)
                let created = try await extensions.insert(fields, context, password: SIPCredentials.password(using: Secrets.randomInt), on: connection)
                guard let id = UUID(uuidString: created.id) else { throw HTTPError(.internalServerError) }
                try await queues.save(id, tenantID: context.tenantID, Self.trimmed(document), renaming: false, on: connection)
                guard let queue = try await queues.find(id, on: connection) else { throw HTTPError(.internalServerError) }
                try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "queue", entityID: queue.id, action: .create,
                                       before: nil, after: try Self.auditValues(queue.document), on: connection)
                return queue
            }
        }
    }

    func update(_ context: TenantContext, id: UUID, request: HTTPRequest) async throws -> QueueView {
        try context.requireAdmin()
        _ = try MergePatch(request, allowed: QueueDocument.fields)
        return try await ExtensionsService.mappingConflicts {
            try await database.transaction(context.scope) { connection in
                guard let current = try await queues.find(id, forUpdate: true, on: connection) else {
                    throw HTTPError(.notFound, detail: "There is no such queue.")
                }
                try Versioning.check(request, current: current.version)
                let next = try JSONMerge.patched(current.document, with: request)
                try Self.throwProblems(next)
                try await checkReferences(next.settings, on: connection)
                try await queues.save(id, tenantID: context.tenantID, Self.trimmed(next), renaming: true, on: connection)
                guard let updated = try await queues.find(id, on: connection) else { throw HTTPError(.notFound) }
                let before = try Self.auditValues(current.document), after = try Self.auditValues(updated.document)
                let changed = after.keys.filter { before[$0] != after[$0] }
                if !changed.isEmpty {
                    try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "queue", entityID: updated.id, action: .update,
                                           before: before.filter { changed.contains($0.key) }, after: after.filter { changed.contains($0.key) },
                                           on: connection)
                }
                return updated
            }
        }
    }

    /// Refused (409) while calls are routed to the queue; its agents go with it.
    func delete(_ context: TenantContext, id: UUID) async throws {
        try context.requireAdmin()
        try await database.transaction(context.scope) { connection in
            guard let current = try await queues.find(id, forUpdate: true, on: connection) else {
                throw HTTPError(.notFound, detail: "There is no such queue.")
            }
            let users = try await DestinationUsersRepository().users(of: id, on: connection)
            if !users.isEmpty {
                throw HTTPError(.conflict, type: "in-use", detail: "Queue \(current.document.number) is used by \(users.joined(separator: ", ")); route those elsewhere first.")
            }
            try await ExtensionsRepository().delete(id, on: connection)
            try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "queue", entityID: current.id, action: .delete,
                                   before: try Self.auditValues(current.document), after: nil, on: connection)
        }
    }

    private func checkReferences(_ settings: QueueSettings, on connection: PostgresConnection) async throws {
        if let id = settings.holdMusicId { try references.checkHoldMusic(id, field: "holdMusicId") }
        if let a = settings.announcement { try references.checkPrompt(a.soundId, field: "announcement.soundId") }
        for (field, destination) in settings.destinations { try await references.destinations.check(destination, field: field, on: connection) }
    }

    static func throwProblems(_ document: QueueDocument) throws {
        var errors = FieldErrors()
        for p in document.problems() { errors.add(p.field, p.message) }
        try errors.throwIfAny()
    }

    static func trimmed(_ d: QueueDocument) -> QueueDocument {
        QueueDocument(name: d.name.trimmingCharacters(in: .whitespaces), number: d.number, settings: d.settings)
    }

    static func member(_ context: TenantContext) throws -> UUID {
        guard let me = context.identity.userID else { throw HTTPError(.forbidden, detail: "Member API keys see no queues.") }
        return me
    }

    static func auditValues(_ d: QueueDocument) throws -> [String: AuditValue] { try AuditValue.fields(of: d) }
}
