import Foundation
import HTTPServer
import MediaAgent
import Testing
import TestSupport

/// The whole product on a real phone system: an extension made through the API reaches a real
/// Asterisk through the deployer and the media agent, a SIPp phone registers with the SIP
/// username and password the API showed once, and when the tenant is taken off the node the
/// node's reconciliation removes everything of it — the phone's registration included.
///
/// It found a race in the portal: a node assigned while a bundle was being staged stayed on the
/// older revision for good (`DeploymentsRepository.assign` now has the tenant staged again).
@Suite(.enabled(if: Conformance.available, "no Asterisk 22 here (CENTRALITA_ASTERISK)"))
struct PortalToAsteriskTests {
    struct Created: Decodable { var id: String }
    struct Extension: Decodable { var id: String; var sipUsername: String; var sipPassword: String }

    @Test func aPhoneMadeInTheAPIRegistersAndLeavesWithItsTenant() async throws {
        try await MediaAgentOnAsteriskTests.withRig { rig in
            try await withLivePortal(label: "phone", deployer: true, configure: { $0.deployer.reconcileEvery = .seconds(2) }) { portal in
                let tenant = try await portal.createTenant()
                let adminUser = try await portal.createUser(tenant: tenant, role: "admin")
                let operatorUser = try await portal.createUser(tenant: nil, role: "operator")
                let admin = try portal.client()
                _ = try await admin.signIn(adminUser.username)
                let op = try portal.client()
                _ = try await op.signIn(operatorUser.username)

                let made = try await admin.request("POST", "/api/v1/tenants/\(tenant)/extensions",
                                                   json: #"{"number":"1001","ownerId":"\#(adminUser.id)","name":"Front desk"}"#)
                #expect(made.status == 201, "\(made.bodyText)")
                let ext = try made.json(Extension.self)
                let node = try await op.request("POST", "/api/v1/media-nodes",
                                                json: #"{"name":"asterisk","url":"http://127.0.0.1:\#(rig.agentPort)","secret":"\#(MediaAgentOnAsteriskTests.secret)"}"#)
                #expect(node.status == 201, "\(node.bodyText)")
                let nodeID = try node.json(Created.self).id
                #expect(try await op.request("PUT", "/api/v1/media-nodes/\(nodeID)/tenants/\(tenant)").status == 204)

                // Deployed and loaded: Asterisk lists the endpoint the API made.
                try await Self.eventually("the endpoint is loaded", timeout: .seconds(90),
                                          explain: {
                    // A fresh connection: the admin's keep-alive one may have been closed while idle.
                    let fresh = try? portal.client()
                    _ = try? await fresh?.signIn(adminUser.username)
                    let deployments = (try? await fresh?.request("GET", "/api/v1/tenants/\(tenant)/deployments").bodyText) ?? "?"
                    let held = (try? await rig.send("GET", "/v1/tenants").bodyText) ?? "?"
                    let loaded = (try? await rig.node.inventory().endpoints.sorted()) ?? []
                    let state = (try? await rig.send("GET", "/v1/tenants/t1").bodyText) ?? "?"
                    let pjsip = (try? String(contentsOfFile: rig.node.etc + "/tenants/t1/pjsip.conf", encoding: .utf8)) ?? "no pjsip.conf"
                    return "deployments: \(deployments); the agent holds \(held) \(state.prefix(300)); Asterisk lists \(loaded); pjsip.conf: \(pjsip.prefix(600)); agent log: \(rig.agent.output.suffix(3000))"
                }) {
                    try await rig.node.inventory().endpoints.contains(ext.sipUsername)
                }
                let peers = SIPpPeers(node: rig.node)
                try await peers.register(ext.sipUsername, password: ext.sipPassword)
                #expect(try await rig.node.cli("pjsip show contacts").contains("\(ext.sipUsername)/sip:"), "the phone registered")
                await #expect(throws: (any Error).self, "a wrong password is refused") {
                    try await peers.register(ext.sipUsername, password: ext.sipPassword + "x")
                }

                // Taken off the node: the agent is told, Asterisk drops the tenant.
                #expect(try await op.request("DELETE", "/api/v1/media-nodes/\(nodeID)/tenants/\(tenant)").status == 204)
                try await Self.eventually("the tenant leaves the node", timeout: .seconds(90)) {
                    try await rig.send("GET", "/v1/tenants").bodyText.contains("\"tenants\":[]")
                }
                #expect(!(try await rig.node.inventory().endpoints.contains(ext.sipUsername)))
                #expect(!(try await rig.node.cli("pjsip show contacts")).contains("\(ext.sipUsername)/sip:"), "the phone is unregistered")
                #expect(rig.node.problems == [])
            }
        }
    }

    static func eventually(_ what: String, timeout: Duration = .seconds(30), explain: () async -> String = { "" },
                           _ check: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await check() { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        Issue.record("\(what): not within \(timeout). \(await explain())")
        throw CancellationError()
    }
}
