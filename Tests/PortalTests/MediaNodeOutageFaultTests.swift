import Foundation
import HTTPServer
import MediaProtocol
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Issue 14, second fault: the media node of a tenant is down (its real agent process
/// stopped) while a change is deployed. The deployment status says failed, with the reason,
/// and when the next try is; the agent starts again on the same port and the node has the
/// change within 10 s — with the production backoff (30 s here), so it is the deployer's
/// probing of the node, not a lucky retry, that brings it back.
@Suite(.serialized) struct MediaNodeOutageFaultTests {
    struct Status: Decodable {
        struct Node: Decodable {
            var state: String
            var desiredRevision: Int
            var appliedRevision: Int
            var error: String?
            var attempts: Int
            var nextAttemptAt: Date?
        }
        struct Bundle: Decodable { var revision: Int; var configRevision: Int }
        var configRevision: Int
        var stagedRevision: Int
        var pending: Bool
        var nodes: [Node]
        var history: [Bundle]

        var converged: Bool {
            guard let newest = history.first, let node = nodes.first else { return false }
            return !pending && stagedRevision == configRevision && newest.configRevision == configRevision
                && node.state == "applied" && node.desiredRevision == newest.revision && node.appliedRevision == newest.revision
        }
    }

    struct Created: Decodable { var id: String }

    @Test func aChangeWaitsForANodeThatIsDownAndReachesItWithin10SecondsOfItsReturn() async throws {
        try await withLivePortal(label: "node_outage", deployer: true, configure: { c in
            // Production's pace, and a backoff long enough that only probing can meet the bound.
            c.deployer.poll = .milliseconds(500)
            c.deployer.firstRetry = 30
            c.deployer.maximumRetry = 30
        }) { portal async throws in
            let tenant = try await portal.createTenant()
            let adminUser = try await portal.createUser(tenant: tenant, role: "admin")
            let operatorUser = try await portal.createUser(tenant: nil, role: "operator")
            let admin = try portal.client()
            try await admin.signIn(adminUser.username)
            let op = try portal.client()
            try await op.signIn(operatorUser.username)
            let media = try MediaNodeHarness.Directory("outage")
            defer { media.remove() }
            let port = try MediaNodeHarness.freePort()
            var agent = try await MediaNodeHarness.startAgent(port: port, directory: media)

            let node = try await op.request("POST", "/api/v1/media-nodes",
                                            json: #"{"name":"node-o","url":"http://127.0.0.1:\#(port)","secret":"\#(media.secret)"}"#).json(Created.self).id
            #expect(try await op.request("PUT", "/api/v1/media-nodes/\(node)/tenants/\(tenant)").status == 204)
            let t = "/api/v1/tenants/\(tenant)"
            let ext = try await admin.request("POST", "\(t)/extensions", json: #"{"number":"1001","ownerId":"\#(adminUser.id)","name":"Front desk"}"#)
            #expect(ext.status == 201, "\(ext.bodyText)")
            let extID = try ext.json(Created.self).id
            let first = try await Self.waitFor(admin, tenant, timeout: .seconds(30)) { $0.converged }

            // The node goes away; a change is deployed and fails, with the reason and the next try.
            agent.signal(SIGTERM)
            _ = try await agent.wait()
            let patched = try await admin.request("PATCH", "\(t)/extensions/\(extID)", json: #"{"name":"Reception"}"#)
            #expect(patched.status == 200, "\(patched.bodyText)")
            let failed = try await Self.waitFor(admin, tenant, timeout: .seconds(30)) { s in
                s.nodes.first.map { $0.state == "failed" && $0.desiredRevision > first.nodes[0].appliedRevision } ?? false
            }
            let reason = try #require(failed.nodes[0].error)
            #expect(reason.contains("Connection refused"), "\(reason)")
            #expect(failed.nodes[0].attempts >= 1)
            #expect(failed.nodes[0].appliedRevision == first.nodes[0].appliedRevision)
            let nextTry = try #require(failed.nodes[0].nextAttemptAt)
            #expect(nextTry.timeIntervalSinceNow > 10, "the backoff alone would not bring it back in time: \(nextTry)")
            // Still failed a moment later, not applied by some other path.
            try await Task.sleep(for: .seconds(2))
            let waiting = try await admin.request("GET", "\(t)/deployments").json(Status.self)
            #expect(waiting.nodes[0].state == "failed" && waiting.nodes[0].appliedRevision == first.nodes[0].appliedRevision)

            // The agent starts again on the same port: the node converges within 10 s.
            agent = try await MediaNodeHarness.startAgent(port: port, directory: media)
            let back = ContinuousClock.now
            let converged = try await Self.waitFor(admin, tenant, timeout: .seconds(30)) { $0.converged }
            let took = ContinuousClock.now - back
            print("media node outage: converged \(took.milliseconds) ms after the agent was back")
            #expect(took <= .seconds(10))
            let revision = converged.nodes[0].appliedRevision
            #expect(revision == failed.nodes[0].desiredRevision)
            // The node itself says it runs that revision, with the change.
            struct Compiled: Decodable { var tenant: String }
            let key = try await admin.request("GET", "\(t)/compiled").json(Compiled.self).tenant
            let path = "/v1/tenants/\(key)"
            let onNode = try await HTTPClient.request("GET", base: "http://127.0.0.1:\(port)", path: path,
                                                      headers: RequestSignature.headers(secret: Array(media.secret.utf8), method: "GET", path: path, body: []))
            #expect(try onNode.json(AppliedState.self).revision == revision)
            #expect(try String(contentsOfFile: "\(media.path)/tenants/\(key)/extensions.conf", encoding: .utf8).contains("NoOp(1001 Reception)"))
            agent.signal(SIGTERM)
            _ = try await agent.wait()
        }
    }

    /// Probing is for nodes that could not be reached: a node that answers but refuses the
    /// push (here: it does not know the secret the portal signs with) keeps its backoff rather
    /// than being pushed to every second.
    @Test func aNodeThatAnswersButRefusesThePushKeepsItsBackoff() async throws {
        try await withLivePortal(label: "node_refuses", deployer: true, configure: { c in
            c.deployer.poll = .milliseconds(200)
            c.deployer.firstRetry = 30
            c.deployer.maximumRetry = 30
        }) { portal async throws in
            let tenant = try await portal.createTenant()
            let adminUser = try await portal.createUser(tenant: tenant, role: "admin")
            let operatorUser = try await portal.createUser(tenant: nil, role: "operator")
            let admin = try portal.client()
            try await admin.signIn(adminUser.username)
            let op = try portal.client()
            try await op.signIn(operatorUser.username)
            let media = try MediaNodeHarness.Directory("refuses")
            defer { media.remove() }
            let port = try MediaNodeHarness.freePort()
            let agent = try await MediaNodeHarness.startAgent(port: port, directory: media)
            let node = try await op.request("POST", "/api/v1/media-nodes",
                                            json: #"{"name":"node-r","url":"http://127.0.0.1:\#(port)","secret":"not-\#(media.secret)"}"#).json(Created.self).id
            #expect(try await op.request("PUT", "/api/v1/media-nodes/\(node)/tenants/\(tenant)").status == 204)
            let ext = try await admin.request("POST", "/api/v1/tenants/\(tenant)/extensions", json: #"{"number":"1001","ownerId":"\#(adminUser.id)"}"#)
            #expect(ext.status == 201, "\(ext.bodyText)")
            let failed = try await Self.waitFor(admin, tenant, timeout: .seconds(30)) { $0.nodes.first?.state == "failed" }
            #expect(failed.nodes[0].error?.contains("HTTP 401") == true, "\(String(describing: failed.nodes[0].error))")
            try await Task.sleep(for: .seconds(3))
            let later = try await admin.request("GET", "/api/v1/tenants/\(tenant)/deployments").json(Status.self)
            #expect(later.nodes[0].attempts == failed.nodes[0].attempts, "not pushed again before its backoff")
            agent.signal(SIGTERM)
            _ = try await agent.wait()
        }
    }

    static func waitFor(_ client: APIClient, _ tenant: String, timeout: Duration, until: (Status) -> Bool) async throws -> Status {
        let deadline = ContinuousClock.now + timeout
        var last: Status?
        while ContinuousClock.now < deadline {
            let status = try await client.request("GET", "/api/v1/tenants/\(tenant)/deployments").json(Status.self)
            if until(status) { return status }
            last = status
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("deployment did not reach the expected state: \(String(describing: last))")
        throw CancellationError()
    }
}
