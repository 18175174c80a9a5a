import Foundation
import HTTPServer
import MediaProtocol
import Postgres
import Telephony

/// `POST /internal/v1/events`: what media nodes report, signed with the node's secret. Only
/// events for tenants the node serves are taken; each is applied idempotently, so a batch sent
/// twice changes nothing the second time.
struct EventsRoutes: RouteCollection {
    let events: EventsRepository
    let deployments: DeploymentsRepository
    let agents = QueueAgentsRepository()
    let database: TenantDatabase
    let replays: ReplayGuard
    let mailer: Mailer
    let outbox = EmailOutboxRepository()

    func register(on routes: RouteGroup) {
        routes.post(NodeEventBatch.path, maxBodyBytes: 4 << 20) { request in
            guard let nodeID = request.headers[NodeEventBatch.nodeHeader].flatMap(UUID.init(uuidString:)) else {
                throw HTTPError(.unauthorized, detail: "The \(NodeEventBatch.nodeHeader) header must name a media node.")
            }
            let scope = TenantDatabase.Scope.operatorScope(user: nil)
            guard let secret = try await database.transaction(scope, { try await events.nodeSecret(nodeID, on: $0) }) else {
                throw HTTPError(.unauthorized, detail: "Unknown media node.")
            }
            do {
                try RequestSignature.verify(secret: Array(secret.utf8), method: request.method.rawValue, path: request.target, body: request.body,
                                            now: Int(Date().timeIntervalSince1970), replays: replays) { request.headers[$0] }
            } catch {
                throw HTTPError(.unauthorized, detail: "\(error)")
            }
            let batch: NodeEventBatch
            do { batch = try JSONCoding.decode(NodeEventBatch.self, from: request.body) } catch {
                throw HTTPError(.unprocessableContent, detail: "The body is not an event batch.")
            }
            var queuedEmail = false
            // A batch is mostly one tenant's events: each key is looked up once.
            var tenants: [String: UUID?] = [:]
            for event in batch.events.map(Self.withoutNUL) {
                if tenants[event.tenant] == nil {
                    tenants[event.tenant] = try await database.transaction(scope) { try await events.tenant(key: event.tenant, servedBy: nodeID, on: $0) }
                }
                guard let tenant = tenants[event.tenant] ?? nil else { continue }
                // In the tenant's scope, so row-level security holds for what the report changes.
                queuedEmail = try await database.transaction(.operatorScope(user: nil, tenant: tenant)) { c in
                    try await record(event, tenant: tenant, on: c)
                } || queuedEmail
            }
            if queuedEmail { mailer.poke() }
            return .noContent()
        }
    }

    /// The event with NUL characters removed from its text. A node reports what callers sent
    /// (names, numbers); PostgreSQL cannot store NUL, and refusing the batch would make the
    /// node resend it for ever, so the characters are dropped here instead.
    static func withoutNUL(_ event: NodeEvent) -> NodeEvent {
        func clean(_ text: String?) -> String? { text.map { $0.contains("\u{0}") ? $0.replacingOccurrences(of: "\u{0}", with: "") : $0 } }
        var e = event
        e.id = clean(e.id) ?? ""
        e.tenant = clean(e.tenant) ?? ""
        (e.extensionNumber, e.queue, e.endpoint, e.state) = (clean(e.extensionNumber), clean(e.queue), clean(e.endpoint), clean(e.state))
        (e.reference, e.caller, e.callerName) = (clean(e.reference), clean(e.caller), clean(e.callerName))
        return e
    }

    /// One report, for a tenant the node serves; kinds this portal does not know are skipped.
    /// True when it queued an email.
    func record(_ event: NodeEvent, tenant: UUID, on c: PostgresConnection) async throws -> Bool {
        switch event.type {
        case "ruleToggled":
            guard let ext = event.extensionNumber, let code = event.code, let active = event.active, (0...9).contains(code) else { return false }
            try await deployments.recordToggle(tenant, extensionNumber: ext, code: code, active: active, on: c)
            return false
        case "emailRequested":
            guard let key = event.reference, try await events.firstSighting(tenant, eventID: event.id, on: c),
                  let action = try await outbox.emailAction(tenant, key: key, on: c) else { return false }
            // The dial plan URL-encodes the caller's number in the event (a comma in it could
            // otherwise add fields); it is digits and `+` once decoded.
            let caller = NumberingPlan.filtered((event.caller ?? "").removingPercentEncoding ?? "")
            let text = MenuAction.render(action.template, number: caller, name: event.callerName ?? "",
                                         time: event.at.formatted(.iso8601))
            let subject = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? "Centralita"
            try await outbox.enqueue(tenant, to: action.to, subject: String(subject.prefix(120)), body: text, on: c)
            return true
        case "agentState":
            guard let queue = event.queue, let endpoint = event.endpoint, let state = event.state.flatMap(AgentState.init(rawValue:)) else { return false }
            try await agents.reportState(tenant, queueNumber: queue, sipUsername: endpoint, state: state, at: event.at, on: c)
            return false
        case "agentCall":
            guard let queue = event.queue, let endpoint = event.endpoint, try await events.firstSighting(tenant, eventID: event.id, on: c) else { return false }
            try await agents.recordCall(tenant, queueNumber: queue, sipUsername: endpoint, at: event.at, on: c)
            return false
        default:
            return false
        }
    }
}
