import Foundation
import HTTPServer
import Logging
import MediaProtocol

/// Sends live commands (`POST /v1/commands`) to every media node serving a tenant, after the
/// change they carry out has committed. A node that cannot be reached is reported, not retried:
/// the portal keeps the state, and the caller sees which nodes did not take it.
struct NodeCommander: Sendable {
    let database: TenantDatabase
    let repository: DeploymentsRepository
    let timeout: Double
    let logger: Logger

    /// What one node made of a batch.
    struct Outcome: Codable, Sendable, Equatable {
        var nodeId: String
        var nodeName: String
        var applied: Bool
        var error: String?
    }

    /// The tenant key (`t<n>`) the commands must name, and the nodes to send them to.
    func nodes(for tenantID: UUID) async throws -> [ServingNode] {
        try await database.transaction(.operatorScope(user: nil, tenant: tenantID)) { try await repository.servingNodes(tenantID, on: $0) }
    }

    /// Builds the batch with the tenant's key and sends it to each node at once.
    func send(_ tenantID: UUID, _ commands: @Sendable (String) -> [NodeCommand]) async -> [Outcome] {
        let nodes: [ServingNode]
        do { nodes = try await self.nodes(for: tenantID) } catch {
            logger.error("cannot read the tenant's media nodes", metadata: ["tenant": "\(tenantID)", "error": "\(error)"])
            return []
        }
        return await withTaskGroup(of: Outcome.self) { group in
            for node in nodes {
                let batch = NodeCommandBatch(tenant: node.tenantKey, commands: commands(node.tenantKey))
                group.addTask { await send(batch, to: node) }
            }
            var outcomes: [Outcome] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes.sorted { $0.nodeName < $1.nodeName }
        }
    }

    func send(_ batch: NodeCommandBatch, to node: ServingNode) async -> Outcome {
        var outcome = Outcome(nodeId: node.id, nodeName: node.name, applied: false, error: nil)
        do {
            let body = try JSONCoding.encode(batch)
            let headers = RequestSignature.headers(secret: Array(node.secret.utf8), method: "POST", path: NodeCommandBatch.path, body: body)
            let response = try await HTTPClient.request("POST", base: node.url, path: NodeCommandBatch.path,
                                                        headers: headers + [("Content-Type", "application/json")], body: body, timeout: timeout)
            guard response.status == 200 else {
                outcome.error = "HTTP \(response.status): \(Deployer.detail(response))"
                return outcome
            }
            let results = try response.json(NodeCommandResults.self).results
            let failures = results.filter { !$0.ok }.map(\.message)
            outcome.applied = failures.isEmpty
            outcome.error = failures.isEmpty ? nil : failures.joined(separator: "; ")
        } catch {
            outcome.error = "\(error)"
        }
        if let error = outcome.error {
            logger.warning("live command not applied", metadata: ["node": "\(node.name)", "tenant": "\(batch.tenant)", "error": "\(error)"])
        }
        return outcome
    }
}
