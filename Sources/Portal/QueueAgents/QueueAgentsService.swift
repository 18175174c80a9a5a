import Foundation
import HTTPServer
import MediaProtocol
import Postgres
import Telephony

/// QUE-2, QUE-3, QUE-5: a queue's agents. Admins add, change and remove them and change any
/// agent's state; a member sees the agents of queues they take calls in and changes only the
/// state of their own agents. A state change commits first, then goes to the media nodes as a
/// live command (QueueAdd / QueuePause / QueueRemove), not as a redeploy.
struct QueueAgentsService: Sendable {
    let database: TenantDatabase
    let agents: QueueAgentsRepository
    let queues: QueuesRepository
    let commander: NodeCommander
    let audit: AuditRecorder

    /// A state change as answered: the agents it moved and what each media node made of it.
    struct StateChange: Encodable {
        var agents: [AgentView]
        var nodes: [NodeCommander.Outcome]
    }

    struct StateRequest: Decodable {
        enum Scope: String, Decodable { case queue, all }
        var state: AgentState
        var scope: Scope?
    }

    func list(_ context: TenantContext, queue: UUID) async throws -> [AgentView] {
        try await database.read(context.scope) { c in
            _ = try await visibleQueue(queue, context, on: c)
            return try await agents.list(queue: queue, on: c)
        }
    }

    func add(_ context: TenantContext, queue: UUID, request: HTTPRequest) async throws -> AgentView {
        try context.requireAdmin()
        let patch = try MergePatch(request, allowed: ["extensionId", "pin", "penalty", "supervisor"])
        var errors = FieldErrors()
        let extensionText = MergePatch.required("extensionId", patch.string("extensionId", errors: &errors), &errors)
        let pin = Self.pin(patch, &errors)
        let penalty = Self.penalty(patch, default: 0, &errors)
        let supervisor = patch.bool("supervisor", default: false, errors: &errors)
        try errors.throwIfAny()
        return try await UniqueConflicts.mapping(["queue_agents_member_key": .init(field: "extensionId", detail: "That extension is already an agent of this queue.")]) {
            try await database.transaction(context.scope) { c in
                let q = try await visibleQueue(queue, context, forUpdate: true, on: c)
                guard let text = extensionText, let ext = UUID(uuidString: text),
                      let found = try await ExtensionsRepository().find(ext, sipServer: "", on: c), found.kind == "phone" else {
                    throw HTTPError.validation(field: "extensionId", "is not a phone extension of this tenant")
                }
                let id = try await agents.create(queue: queue, extension: ext, tenantID: context.tenantID, pin: pin ?? nil, penalty: penalty,
                                                 supervisor: supervisor, on: c)
                guard let agent = try await agents.find(id, queue: queue, on: c) else { throw HTTPError(.internalServerError) }
                try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "queueAgent", entityID: agent.id, action: .create,
                                       before: nil, after: ["queue": .string(q.document.number), "extension": .string(agent.extensionNumber),
                                                            "penalty": .int(penalty), "supervisor": .bool(supervisor), "pin": .string("")], on: c)
                return agent
            }
        }
    }

    func update(_ context: TenantContext, queue: UUID, id: UUID, request: HTTPRequest) async throws -> AgentView {
        try context.requireAdmin()
        let patch = try MergePatch(request, allowed: ["pin", "penalty", "supervisor"])
        return try await database.transaction(context.scope) { c in
            _ = try await visibleQueue(queue, context, on: c)
            guard let current = try await agents.find(id, queue: queue, forUpdate: true, on: c) else {
                throw HTTPError(.notFound, detail: "There is no such agent in this queue.")
            }
            try Versioning.check(request, current: current.version)
            var errors = FieldErrors()
            let pin = Self.pin(patch, &errors)
            let penalty = Self.penalty(patch, default: current.penalty, &errors)
            let supervisor = patch.bool("supervisor", default: current.supervisor, errors: &errors)
            try errors.throwIfAny()
            try await agents.update(id, pin: pin, penalty: penalty, supervisor: supervisor, on: c)
            guard let updated = try await agents.find(id, queue: queue, on: c) else { throw HTTPError(.notFound) }
            try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "queueAgent", entityID: updated.id, action: .update,
                                   before: ["penalty": .int(current.penalty), "supervisor": .bool(current.supervisor)],
                                   after: ["penalty": .int(penalty), "supervisor": .bool(supervisor)]
                                    .merging(pin == nil ? [:] : ["pin": .string("")]) { a, _ in a }, on: c)
            return updated
        }
    }

    /// Removes the listed agents of the queue, all or none; logged-in ones leave the queue on
    /// the media nodes too.
    func remove(_ context: TenantContext, queue: UUID, ids: [UUID]) async throws -> [NodeCommander.Outcome] {
        try context.requireAdmin()
        guard !ids.isEmpty, ids.count <= 500 else { throw HTTPError.validation(field: "ids", "must list 1 to 500 agents") }
        let (removed, queueNumber) = try await database.transaction(context.scope) { c -> ([AgentView], String) in
            let q = try await visibleQueue(queue, context, forUpdate: true, on: c)
            let removed = try await agents.find(ids, queue: queue, forUpdate: true, on: c)
            let found = Set(removed.map(\.id))
            if let i = ids.firstIndex(where: { !found.contains($0.uuidString.lowercased()) }) {
                throw HTTPError.validation(field: "ids[\(i)]", "is not an agent of this queue")
            }
            try await agents.delete(ids, queue: queue, on: c)
            for agent in removed {
                try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "queueAgent", entityID: agent.id, action: .delete,
                                       before: ["queue": .string(q.document.number), "extension": .string(agent.extensionNumber)], after: nil, on: c)
            }
            return (removed, q.document.number)
        }
        let online = removed.filter { $0.state != .loggedOut }
        guard !online.isEmpty else { return [] }
        return await commander.send(context.tenantID) { key in
            online.map { NodeCommand(action: .queueRemove, queue: "\(key)-q\(queueNumber)", interface: "PJSIP/\($0.sipUsername)") }
        }
    }

    /// QUE-3: moves the agent (or, with `scope: all`, the same extension in every queue it
    /// serves) to `state`. Agents already there are left alone; any other that may not make the
    /// move refuses the whole change with 409 naming what it may do.
    func changeState(_ context: TenantContext, queue: UUID, id: UUID, body: StateRequest) async throws -> StateChange {
        let moved = try await database.transaction(context.scope) { c -> [AgentView] in
            _ = try await visibleQueue(queue, context, on: c)
            guard let agent = try await agents.find(id, queue: queue, on: c) else {
                throw HTTPError(.notFound, detail: "There is no such agent in this queue.")
            }
            if !context.isAdmin, agent.ownerId == nil || agent.ownerId != context.identity.userID?.lowercased {
                throw HTTPError(.forbidden, detail: "Members change only their own agent state.")
            }
            guard let ext = UUID(uuidString: agent.extensionId) else { throw HTTPError(.notFound) }
            let rows = try await agents.memberships(of: ext, on: c).filter { body.scope == .all || $0.id == agent.id }
            let moving = rows.filter { $0.state != body.state }
            for row in moving where !row.state.canMove(to: body.state) {
                let allowed = row.state.next.map(\.rawValue).joined(separator: " or ")
                throw HTTPError(.conflict, type: "invalid-transition",
                                detail: "In queue \(row.queueNumber) the agent is \(row.state.rawValue): it may only move to \(allowed).",
                                errors: [.init(field: "state", message: "from \(row.state.rawValue) the agent may move to \(allowed)")])
            }
            try await agents.setState(moving.compactMap { UUID(uuidString: $0.id) }, body.state, on: c)
            for row in moving {
                try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "queueAgent", entityID: row.id, action: .update,
                                       before: ["state": .string(row.state.rawValue)], after: ["state": .string(body.state.rawValue)], on: c)
            }
            // Read back in one query, kept in queue-number order, each with the state it left.
            let fresh = Dictionary(uniqueKeysWithValues: try await agents.find(moving.compactMap { UUID(uuidString: $0.id) }, on: c).map { ($0.id, $0) })
            return moving.compactMap { row in
                guard var agent = fresh[row.id] else { return nil }
                agent.previous = row.state
                return agent
            }
        }
        let commands = moved.compactMap(Self.command)
        let outcomes = commands.isEmpty ? [] : await commander.send(context.tenantID) { key in commands.map { $0(key) } }
        return StateChange(agents: moved, nodes: outcomes)
    }

    /// The commands that give a node without members the portal's logged-in and paused agents
    /// (with their pause state); logged-out agents need nothing.
    static func resync(_ agents: [AgentView], tenantKey key: String) -> [NodeCommand] {
        agents.flatMap { a -> [NodeCommand] in
            let queue = "\(key)-q\(a.queueNumber)", interface = "PJSIP/\(a.sipUsername)"
            switch a.state {
            case .loggedOut:
                return []
            case .loggedIn, .paused:
                let paused = a.state == .paused
                return [add(a, tenantKey: key, paused: paused), NodeCommand(action: .queuePause, queue: queue, interface: interface, paused: paused)]
            }
        }
    }

    /// QueueAdd for an agent, named and weighted as the queue lists it.
    static func add(_ agent: AgentView, tenantKey key: String, paused: Bool) -> NodeCommand {
        NodeCommand(action: .queueAdd, queue: "\(key)-q\(agent.queueNumber)", interface: "PJSIP/\(agent.sipUsername)",
                    memberName: "\(agent.extensionNumber) \(agent.agent)", penalty: agent.penalty, paused: paused)
    }

    /// The manager action that moves an agent from its previous state to its new one.
    static func command(_ agent: AgentView) -> (@Sendable (String) -> NodeCommand)? {
        let queue = agent.queueNumber, interface = "PJSIP/\(agent.sipUsername)"
        switch (agent.previous, agent.state) {
        case (.loggedOut?, .loggedIn):
            return { add(agent, tenantKey: $0, paused: false) }
        case (.loggedIn?, .paused):
            return { NodeCommand(action: .queuePause, queue: "\($0)-q\(queue)", interface: interface, paused: true) }
        case (.paused?, .loggedIn):
            return { NodeCommand(action: .queuePause, queue: "\($0)-q\(queue)", interface: interface, paused: false) }
        case (_, .loggedOut):
            return { NodeCommand(action: .queueRemove, queue: "\($0)-q\(queue)", interface: interface) }
        default:
            return nil
        }
    }

    /// The queue, if the caller may see it: admins see all, members those they are agents of.
    private func visibleQueue(_ id: UUID, _ context: TenantContext, forUpdate: Bool = false, on c: PostgresConnection) async throws -> QueueView {
        let owner: UUID? = context.isAdmin ? nil : try QueuesService.member(context)
        guard let queue = try await queues.find(id, agentOwner: owner, forUpdate: forUpdate, on: c) else {
            throw HTTPError(.notFound, detail: "There is no such queue.")
        }
        return queue
    }

    /// `pin`: absent (nil), null (clear: `.some(nil)`), or 4 to 8 digits (hashed).
    static func pin(_ patch: MergePatch, _ errors: inout FieldErrors) -> (salt: String, sha1: String)?? {
        switch patch.string("pin", errors: &errors) {
        case .absent: return nil
        case .null: return .some(nil)
        case .value(let pin):
            guard (4...8).contains(pin.count), pin.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                errors.add("pin", "must be 4 to 8 digits")
                return nil
            }
            return .some(Secrets.pinDigest(pin))
        }
    }

    static func penalty(_ patch: MergePatch, default value: Int, _ errors: inout FieldErrors) -> Int {
        switch patch.integer("penalty", errors: &errors) {
        case .value(let p) where (0...10).contains(p): return p
        case .value, .null: errors.add("penalty", "must be 0 to 10"); return value
        case .absent: return value
        }
    }
}
