import Foundation
import HTTPServer
import Synchronization

/// The pushes that failed because their node could not be reached at all (connection refused,
/// no route, no such host), by node. Backoff alone would leave a node that was down for a
/// while waiting up to `maximumRetry` after it is back; instead the deployer asks each such node
/// `GET /healthz` every `Settings.probeEvery`, and as soon as it answers, its pushes are due at
/// once. A node that answered but refused or failed a push is not probed: its pushes keep
/// their backoff, so a node that cannot take a bundle is not pushed to every second.
final class UnreachableNodes: Sendable {
    struct Node: Sendable {
        var url: String
        /// The newest failed push per tenant.
        var waiting: [UUID: DueDeployment] = [:]
        var probedAt: ContinuousClock.Instant
        var notedAt: ContinuousClock.Instant
    }

    private let nodes = Mutex<[UUID: Node]>([:])

    /// A push to `d`'s node could not connect.
    func note(_ d: DueDeployment) {
        let now = ContinuousClock.now
        nodes.withLock { nodes in
            nodes[d.nodeID, default: Node(url: d.url, probedAt: now, notedAt: now)].waiting[d.tenantID] = d
            nodes[d.nodeID]?.notedAt = now
            nodes[d.nodeID]?.url = d.url
        }
    }

    /// A push to `d`'s node went through: the node is reachable.
    func reached(_ d: DueDeployment) {
        _ = nodes.withLock { $0.removeValue(forKey: d.nodeID) }
    }

    /// The nodes to probe now (each at most every `interval`); nodes no failed push named for
    /// `forgetAfter` (deleted, or their tenants moved) are dropped.
    func due(every interval: Duration, forgetAfter: Duration) -> [(id: UUID, url: String)] {
        let now = ContinuousClock.now
        return nodes.withLock { nodes in
            nodes = nodes.filter { now - $0.value.notedAt < forgetAfter }
            var due: [(UUID, String)] = []
            for (id, node) in nodes where now - node.probedAt >= interval {
                nodes[id]?.probedAt = now
                due.append((id, node.url))
            }
            return due
        }
    }

    /// The failed pushes of a node that answered again, forgotten here.
    func answered(_ id: UUID) -> [DueDeployment] {
        nodes.withLock { Array(($0.removeValue(forKey: id)?.waiting ?? [:]).values) }
    }

    /// Whether a push failed because the node could not be reached at all (rather than
    /// answering badly or too slowly).
    static func isUnreachable(_ error: any Error) -> Bool {
        guard let error = error as? SystemError else { return false }
        return error.call == "connect" || error.call.hasPrefix("getaddrinfo")
    }
}

extension Deployer {
    /// Probes the nodes that could not be reached; the failed pushes of those that answer
    /// are made due now, so this pass pushes them.
    func probeUnreachableNodes() async {
        let forgetAfter = Duration.seconds(max(settings.maximumRetry, 1) * 3)
        let nodes = unreachable.due(every: settings.probeEvery, forgetAfter: forgetAfter)
        guard !nodes.isEmpty else { return }
        let timeout = min(2, settings.requestTimeout)
        let answering = await withTaskGroup(of: UUID?.self) { group in
            for node in nodes {
                group.addTask {
                    let response = try? await HTTPClient.request("GET", base: node.url, path: "/healthz", timeout: timeout)
                    return response?.status == 200 ? node.id : nil
                }
            }
            var answering: [UUID] = []
            for await id in group { if let id { answering.append(id) } }
            return answering
        }
        for id in answering {
            let waiting = unreachable.answered(id)
            logger.info("media node answers again: retrying its pushes now", metadata: ["node": "\(id)", "pushes": "\(waiting.count)"])
            for d in waiting {
                _ = try? await database.transaction(.operatorScope(user: nil, tenant: d.tenantID)) { try await repository.retryNow(d, on: $0) }
            }
        }
    }
}
