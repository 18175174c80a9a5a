import Foundation
import HTTPServer
import MediaProtocol
import Postgres

/// `POST /internal/v1/events`: what media nodes report, signed with the node's secret. Only
/// events for tenants the node serves are taken; each is applied idempotently, so a batch sent
/// twice changes nothing the second time.
struct EventsRoutes: RouteCollection {
    let events: EventsRepository
    let deployments: DeploymentsRepository
    let database: TenantDatabase
    let replays: ReplayGuard

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
            for event in batch.events where event.type == "ruleToggled" {
                guard let ext = event.extensionNumber, let code = event.code, let active = event.active, (0...9).contains(code) else { continue }
                try await database.transaction(scope) { c in
                    guard let tenant = try await events.tenant(key: event.tenant, servedBy: nodeID, on: c) else { return }
                    try await deployments.recordToggle(tenant, extensionNumber: ext, code: code, active: active, on: c)
                }
            }
            return .noContent()
        }
    }
}
