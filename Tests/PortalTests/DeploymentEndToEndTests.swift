import Foundation
import HTTPServer
import MediaProtocol
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The whole path with real processes on loopback: a change in the API, the deployer, the
/// `centralita-media-agent` executable writing the tenant tree; the agent stopped and started.
@Suite(.serialized) struct DeploymentEndToEndTests {
    struct Status: Decodable {
        struct Node: Decodable { var state: String; var desiredRevision: Int; var appliedRevision: Int; var error: String? }
        struct Bundle: Decodable { var revision: Int; var configRevision: Int; var rollbackOf: Int? }
        var deployMode: String
        var configRevision: Int
        var stagedRevision: Int
        var pending: Bool
        var nodes: [Node]
        var history: [Bundle]

        /// The node has applied the newest bundle in the history.
        var nodeRunsNewestBundle: Bool {
            guard let newest = history.first, let node = nodes.first else { return false }
            return node.state == "applied" && node.desiredRevision == newest.revision && node.appliedRevision == newest.revision
        }

        /// Every change is staged into the newest bundle and the node runs it: what the test waits
        /// for after each edit (an earlier revision being applied is not enough).
        var converged: Bool {
            !pending && stagedRevision == configRevision && history.first?.configRevision == configRevision && nodeRunsNewestBundle
        }
    }

    static func waitFor(_ client: APIClient, _ tenant: String, timeout: Duration = .seconds(20), until: (Status) -> Bool) async throws -> Status {
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

    @Test func changesReachTheAgentAndANodeThatWasDownConverges() async throws {
        try await withLivePortal(label: "deploy", deployer: true) { portal async throws in
            let tenant = try await portal.createTenant()
            let adminUser = try await portal.createUser(tenant: tenant, role: "admin")
            let operatorUser = try await portal.createUser(tenant: nil, role: "operator")
            let admin = try portal.client()
            _ = try await admin.signIn(adminUser.username)
            let op = try portal.client()
            _ = try await op.signIn(operatorUser.username)

            let media = try MediaNodeHarness.Directory("media")
            defer { media.remove() }
            let directory = media.path, secret = media.secret
            let port = try MediaNodeHarness.freePort()
            var agent = try await MediaNodeHarness.startAgent(port: port, directory: media)

            let node = try await op.request("POST", "/api/v1/media-nodes", json: #"{"name":"node-a","url":"http://127.0.0.1:\#(port)","secret":"\#(secret)"}"#)
            #expect(node.status == 201, "\(node.bodyText)")
            struct Created: Decodable { var id: String }
            let nodeID = try node.json(Created.self).id
            #expect(try await op.request("PUT", "/api/v1/media-nodes/\(nodeID)/tenants/\(tenant)").status == 204)
            #expect(try await admin.request("GET", "/api/v1/media-nodes").status == 403)

            let ext = try await admin.request("POST", "/api/v1/tenants/\(tenant)/extensions", json: #"{"number":"1001","ownerId":"\#(adminUser.id)","name":"Front desk"}"#)
            #expect(ext.status == 201, "\(ext.bodyText)")
            let extID = try ext.json(Created.self).id
            var status = try await Self.waitFor(admin, tenant) { $0.converged }
            let key = try FileManager.default.contentsOfDirectory(atPath: directory + "/tenants").first { $0.hasPrefix("t") } ?? ""
            let pjsip = try String(contentsOfFile: "\(directory)/tenants/\(key)/extensions.conf", encoding: .utf8)
            #expect(pjsip.contains("NoOp(1001 Front desk)"))
            let firstRevision = status.nodes[0].appliedRevision

            // The node goes away; a change fails and keeps retrying.
            agent.signal(SIGTERM)
            _ = try await agent.wait()
            #expect(try await admin.request("PATCH", "/api/v1/tenants/\(tenant)/extensions/\(extID)", json: #"{"name":"Reception"}"#,
                                            headers: ["Content-Type": "application/merge-patch+json"]).status == 200)
            status = try await Self.waitFor(admin, tenant) { s in s.nodes.first.map { $0.state == "failed" && $0.error != nil } ?? false }
            #expect(status.nodes[0].desiredRevision > firstRevision)

            // It comes back and catches up without anyone doing anything.
            agent = try await MediaNodeHarness.startAgent(port: port, directory: media)
            status = try await Self.waitFor(admin, tenant) { $0.converged }
            #expect(try String(contentsOfFile: "\(directory)/tenants/\(key)/extensions.conf", encoding: .utf8).contains("NoOp(1001 Reception)"))

            // Manual mode: pending until applied.
            #expect(try await admin.request("PUT", "/api/v1/tenants/\(tenant)/deployments/mode", json: #"{"deployMode":"manual"}"#).status == 200)
            _ = try await admin.request("PATCH", "/api/v1/tenants/\(tenant)/extensions/\(extID)", json: #"{"name":"Lobby"}"#,
                                        headers: ["Content-Type": "application/merge-patch+json"])
            try await Task.sleep(for: .milliseconds(400))
            status = try await admin.request("GET", "/api/v1/tenants/\(tenant)/deployments").json(Status.self)
            #expect(status.pending)
            #expect(try String(contentsOfFile: "\(directory)/tenants/\(key)/extensions.conf", encoding: .utf8).contains("NoOp(1001 Reception)"))
            #expect(try await admin.request("POST", "/api/v1/tenants/\(tenant)/deployments").status == 202)
            status = try await Self.waitFor(admin, tenant) { $0.converged }
            #expect(try String(contentsOfFile: "\(directory)/tenants/\(key)/extensions.conf", encoding: .utf8).contains("NoOp(1001 Lobby)"))

            // Roll back to the first revision: a new revision with its files.
            #expect(try await admin.request("POST", "/api/v1/tenants/\(tenant)/deployments/\(firstRevision)/rollback").status == 202)
            status = try await Self.waitFor(admin, tenant) { s in s.history.first?.rollbackOf == firstRevision && s.nodeRunsNewestBundle }
            #expect(try String(contentsOfFile: "\(directory)/tenants/\(key)/extensions.conf", encoding: .utf8).contains("NoOp(1001 Front desk)"))

            // Simulate and validate on the same tenant.
            let trace = try await admin.request("POST", "/api/v1/tenants/\(tenant)/simulate?lang=en",
                                                json: #"{"to":"1001","from":"+34600000000","at":"2026-11-24T10:00:00Z","devices":{"1001":"answers"}}"#)
            #expect(trace.status == 200, "\(trace.bodyText)")
            #expect(trace.bodyText.contains("\"kind\":\"answered\""))
            let bad = try await admin.request("POST", "/api/v1/tenants/\(tenant)/simulate", json: #"{"to":"1001"}"#)
            #expect(bad.status == 422)
            #expect(bad.bodyText.contains("\"field\":\"at\""))
            let report = try await admin.request("POST", "/api/v1/tenants/\(tenant)/validate")
            #expect(report.bodyText.contains("\"valid\":true"))
            let compiled = try await admin.request("GET", "/api/v1/tenants/\(tenant)/compiled")
            #expect(compiled.bodyText.contains("pjsip.conf"))
            // Only the media node gets the HA1: what people see is redacted.
            let deployed = try String(contentsOfFile: "\(directory)/tenants/\(key)/pjsip.conf", encoding: .utf8)
            let ha1 = deployed.split(separator: "\n").first { $0.hasPrefix("password_digest=MD5:") }?.dropFirst("password_digest=MD5:".count) ?? ""
            #expect(ha1.count == 32)
            #expect(compiled.bodyText.contains("password_digest=MD5:redacted"))
            #expect(!compiled.bodyText.contains(String(ha1)))

            // A member may simulate only calls to their own extensions.
            let member = try await portal.createUser(tenant: tenant, role: "member")
            let memberClient = try portal.client()
            _ = try await memberClient.signIn(member.username)
            #expect(try await memberClient.request("POST", "/api/v1/tenants/\(tenant)/simulate",
                                                   json: #"{"to":"1001","at":"2026-11-24T10:00:00Z"}"#).status == 403)
            #expect(try await memberClient.request("GET", "/api/v1/tenants/\(tenant)/deployments").status == 403)
            agent.signal(SIGTERM)
            _ = try await agent.wait()
        }
    }

    @Test func mediaNodesReportRuleTogglesForTheirTenantsOnly() async throws {
        try await withLivePortal(label: "events") { portal async throws in
            let tenant = try await portal.createTenant()
            let other = try await portal.createTenant()
            let adminUser = try await portal.createUser(tenant: tenant, role: "admin")
            let operatorUser = try await portal.createUser(tenant: nil, role: "operator")
            let admin = try portal.client()
            _ = try await admin.signIn(adminUser.username)
            let op = try portal.client()
            _ = try await op.signIn(operatorUser.username)
            struct Created: Decodable { var id: String }
            let secret = "events-secret-\(UUID().uuidString)"
            let node = try await op.request("POST", "/api/v1/media-nodes", json: #"{"name":"node-e","url":"http://127.0.0.1:9","secret":"\#(secret)"}"#).json(Created.self).id
            #expect(try await op.request("PUT", "/api/v1/media-nodes/\(node)/tenants/\(tenant)").status == 204)
            let ext = try await admin.request("POST", "/api/v1/tenants/\(tenant)/extensions", json: #"{"number":"1001","ownerId":"\#(adminUser.id)"}"#).json(Created.self).id
            let rules = "/api/v1/tenants/\(tenant)/extensions/\(ext)/rules"
            #expect(try await admin.request("POST", rules, json: #"{"kind":"hangup","keypadCode":3}"#).status == 201)
            struct Compiled: Decodable { var tenant: String }
            let key = try await admin.request("GET", "/api/v1/tenants/\(tenant)/compiled").json(Compiled.self).tenant
            let otherKey = "t\(Int(key.dropFirst())! + 1)"

            func post(_ events: [NodeEvent], secret: String, node: String) async throws -> Int {
                try await MediaNodeHarness.post(events, to: portal, node: node, secret: secret)
            }
            func toggle(_ tenantKey: String, active: Bool) -> NodeEvent {
                NodeEvent(type: "ruleToggled", id: UUID().uuidString, tenant: tenantKey, extensionNumber: "1001", code: 3, active: active, at: Date())
            }
            #expect(try await post([toggle(key, active: false)], secret: "not-the-secret-at-all", node: node) == 401)
            struct Rule: Decodable { var switchedOn: Bool? }
            struct Rules: Decodable { var items: [Rule] }
            #expect(try await admin.request("GET", rules).json(Rules.self).items.map(\.switchedOn) == [true])

            #expect(try await post([toggle(key, active: false), toggle(otherKey, active: false)], secret: secret, node: node) == 204)
            #expect(try await admin.request("GET", rules).json(Rules.self).items.map(\.switchedOn) == [false])
            let count = try await portal.owner.query("SELECT count(*)::int AS n FROM rule_toggles WHERE tenant_id = \(UUID(uuidString: other)!)").first?.decode(Int.self, "n")
            #expect(count == 0)

            // The simulator takes the reported state: the hang-up rule is off, so the phone rings.
            let trace = try await admin.request("POST", "/api/v1/tenants/\(tenant)/simulate",
                                                json: #"{"to":"1001","at":"2026-11-24T10:00:00Z","devices":{"1001":"answers"}}"#)
            #expect(trace.bodyText.contains("\"kind\":\"answered\""))
        }
    }
}
