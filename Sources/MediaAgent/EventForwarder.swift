import Foundation
import HTTPServer
import Logging
import MediaProtocol
import Synchronization

/// Turns Asterisk events into node events and posts them to the portal, signed with the
/// node's secret. Undelivered events stay queued (oldest first, at most 10,000) and go with
/// the next attempt; the portal handles repeats idempotently.
final class EventForwarder: Sendable {
    struct Settings: Sendable {
        var portalURL: String
        var nodeID: String
        var secret: [UInt8]
    }

    let settings: Settings
    let logger: Logger
    private let queue = Mutex<[NodeEvent]>([])
    private let wake: AsyncStream<Void>.Continuation
    private let wakes: AsyncStream<Void>
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(settings: Settings, logger: Logger) {
        self.settings = settings
        self.logger = logger
        (wakes, wake) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// The node event for an AMI event, if it is one the portal wants.
    static func nodeEvent(from ami: [String: String], now: Date = Date()) -> NodeEvent? {
        if let agent = agentEvent(from: ami, now: now) { return agent }
        if ami["Event"] == "UserEvent", ami["UserEvent"] == "CentralitaEmail", let tenant = ami["Tenant"], let key = ami["Key"] {
            return NodeEvent(type: "emailRequested", id: UUID().uuidString.lowercased(), tenant: tenant, reference: key, caller: ami["Caller"] ?? "",
                             callerName: (ami["Name"] ?? "").removingPercentEncoding ?? "", at: now)
        }
        guard ami["Event"] == "UserEvent", ami["UserEvent"] == "CentralitaRuleToggle", let tenant = ami["Tenant"],
              let ext = ami["Extension"], let code = ami["Code"].flatMap(Int.init), let state = ami["State"] else { return nil }
        return NodeEvent(type: "ruleToggled", id: UUID().uuidString.lowercased(), tenant: tenant, extensionNumber: ext, code: code,
                         active: state != "off", at: now)
    }

    /// Queue membership (`QueueMemberAdded|Removed|Pause`) and answered calls (`AgentConnect`,
    /// and `CentralitaStickyAgent` when a returning caller's last agent answers before the
    /// queue) of the tenants' queues (`t<n>-q<number>`, `PJSIP/<endpoint>` members).
    static func agentEvent(from ami: [String: String], now: Date) -> NodeEvent? {
        guard let event = ami["Event"], let (tenant, queue) = ami["Queue"].flatMap(NodeEvent.splitQueue),
              let interface = ami["Interface"], interface.hasPrefix("PJSIP/") else { return nil }
        let endpoint = String(interface.dropFirst("PJSIP/".count))
        let paused = ami["Paused"] == "1" || ami["Paused"]?.lowercased() == "true"
        let state: String
        switch event {
        case "QueueMemberAdded", "QueueMemberPause": state = paused ? "paused" : "loggedIn"
        case "QueueMemberRemoved": state = "loggedOut"
        case "AgentConnect", "UserEvent" where ami["UserEvent"] == "CentralitaStickyAgent":
            return NodeEvent(type: "agentCall", id: UUID().uuidString.lowercased(), tenant: tenant, queue: queue, endpoint: endpoint, at: now)
        default: return nil
        }
        return NodeEvent(type: "agentState", id: UUID().uuidString.lowercased(), tenant: tenant, queue: queue, endpoint: endpoint, state: state, at: now)
    }

    func accept(_ ami: [String: String]) {
        guard let event = Self.nodeEvent(from: ami) else { return }
        queue.withLock { q in
            q.append(event)
            if q.count > 10_000 { q.removeFirst(q.count - 10_000) }
        }
        wake.yield()
    }

    func start() {
        task.withLock { $0 = Task { [self] in
            var backoff = 0.2
            for await _ in wakes {
                while !Task.isCancelled {
                    let batch = queue.withLock { Array($0.prefix(500)) }
                    if batch.isEmpty { break }
                    do {
                        try await post(batch)
                        queue.withLock { $0.removeFirst(min(batch.count, $0.count)) }
                        backoff = 0.2
                    } catch {
                        logger.warning("cannot report events to the portal; retrying", metadata: ["error": "\(error)", "retryInSeconds": "\(backoff)"])
                        try? await Task.sleep(for: .seconds(backoff))
                        backoff = min(backoff * 2, 10)
                    }
                }
            }
        } }
    }

    func stop() {
        wake.finish()
        task.withLock { $0?.cancel() }
    }

    func post(_ events: [NodeEvent]) async throws {
        let body = try JSONCoding.encode(NodeEventBatch(events: events))
        let path = NodeEventBatch.path
        let headers = RequestSignature.headers(secret: settings.secret, method: "POST", path: path, body: body)
        let response = try await HTTPClient.request("POST", base: settings.portalURL, path: path,
                                                    headers: headers + [(NodeEventBatch.nodeHeader, settings.nodeID), ("Content-Type", "application/json")],
                                                    body: body)
        guard response.status == 204 || response.status == 200 else {
            throw AMIConnection.Failure(description: "the portal answered \(response.status): \(response.bodyText.prefix(200))")
        }
    }
}
