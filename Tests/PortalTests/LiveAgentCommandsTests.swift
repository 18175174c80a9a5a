import Foundation
import HTTPServer
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// QUE-3 end to end on loopback: a state change in the API becomes a live command to the
/// `centralita-media-agent` executable, which carries it out through the manager interface
/// (a scripted AMI peer); what the node reports back (an agent pausing from the phone) shows
/// in the portal.
@Suite(.serialized) struct LiveAgentCommandsTests {
    struct Created: Decodable { var id: String }
    struct Agent: Decodable { var id: String; var extensionNumber: String; var state: String; var callsAnswered: Int; var lastCall: Date? }
    struct Page: Decodable { var items: [Agent] }
    struct Change: Decodable {
        struct Node: Decodable { var nodeName: String; var applied: Bool; var error: String? }
        var agents: [Agent]
        var nodes: [Node]
    }

    static func replies(_ action: String) -> String? {
        let id = action.split(separator: "\r\n").first { $0.hasPrefix("ActionID: ") }.map { String($0.dropFirst(10)) } ?? ""
        if action.contains("Action: QueueRemove") { return "Response: Error\r\nActionID: \(id)\r\nMessage: Unable to remove interface: Not there\r\n\r\n" }
        if action.contains("Action: Queue") { return "Response: Success\r\nActionID: \(id)\r\nMessage: Done\r\n\r\n" }
        return nil
    }

    @Test func stateChangesReachTheNodeAtOnceAndNodeReportsComeBack() async throws {
        try await withLivePortal(label: "live_agents") { portal async throws in
            let tenant = try await portal.createTenant()
            let adminUser = try await portal.createUser(tenant: tenant, role: "admin")
            let memberUser = try await portal.createUser(tenant: tenant, role: "member")
            let operatorUser = try await portal.createUser(tenant: nil, role: "operator")
            let admin = try portal.client()
            try await admin.signIn(adminUser.username)
            let member = try portal.client()
            try await member.signIn(memberUser.username)
            let op = try portal.client()
            try await op.signIn(operatorUser.username)
            let t = "/api/v1/tenants/\(tenant)"
            let ana = try await admin.request("POST", "\(t)/extensions", json: #"{"ownerId":"\#(memberUser.id)","number":"1001","name":"Ana"}"#).json(Created.self).id
            let bruno = try await admin.request("POST", "\(t)/extensions", json: #"{"ownerId":"\#(adminUser.id)","number":"1002"}"#).json(Created.self).id
            let queue = try await admin.request("POST", "\(t)/queues", json: #"{"name":"Support","number":"2000"}"#).json(Created.self).id
            let anaAgent = try await admin.request("POST", "\(t)/queues/\(queue)/agents", json: #"{"extensionId":"\#(ana)","penalty":1}"#).json(Created.self).id
            _ = try await admin.request("POST", "\(t)/queues/\(queue)/agents", json: #"{"extensionId":"\#(bruno)"}"#)
            let rows = try await portal.owner.query("""
                SELECT 't' || t.dial_key AS key, (SELECT sip_username FROM extensions WHERE id = \(UUID(uuidString: ana)!)) AS ana,
                       (SELECT sip_username FROM extensions WHERE id = \(UUID(uuidString: bruno)!)) AS bruno
                FROM tenants t WHERE t.id = \(UUID(uuidString: tenant)!)
                """)
            let key = try rows.first?.decode(String.self, "key") ?? ""
            let anaSIP = try rows.first?.decode(String.self, "ana") ?? ""
            let brunoSIP = try rows.first?.decode(String.self, "bruno") ?? ""

            // The node: Bruno logged in from his phone and took a call before the portal heard of it.
            let ami = try ScriptedAMI(blocks: [
                "Event: QueueMemberAdded\r\nPrivilege: agent,all\r\nQueue: \(key)-q2000\r\nInterface: PJSIP/\(brunoSIP)\r\nPaused: 0\r\n\r\n",
                "Event: AgentConnect\r\nPrivilege: agent,all\r\nQueue: \(key)-q2000\r\nInterface: PJSIP/\(brunoSIP)\r\nHoldTime: 3\r\n\r\n",
            ], respond: Self.replies)
            let directory = try MediaNodeHarness.Directory("live-agent")
            defer { directory.remove() }
            let port = try MediaNodeHarness.freePort()
            let node = try await op.request("POST", "/api/v1/media-nodes", json: #"{"name":"node-a","url":"http://127.0.0.1:\#(port)","secret":"\#(directory.secret)"}"#)
            let nodeID = try node.json(Created.self).id
            #expect(try await op.request("PUT", "/api/v1/media-nodes/\(nodeID)/tenants/\(tenant)").status == 204)

            let agent = try await MediaNodeHarness.startAgent(port: port, directory: directory, directory.managerArguments(amiPort: ami.port)
                                                               + ["--portal-url", "http://127.0.0.1:\(portal.port)", "--node-id", nodeID])
            defer { agent.signal(SIGTERM) }

            // What the node reported arrives: Bruno logged in, one call answered.
            var reported: Agent?
            for _ in 0..<100 {
                reported = try await admin.request("GET", "\(t)/queues/\(queue)/agents").json(Page.self).items.first { $0.extensionNumber == "1002" }
                if reported?.state == "loggedIn", reported?.callsAnswered == 1 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(reported?.state == "loggedIn" && reported?.callsAnswered == 1 && reported?.lastCall != nil, "\(String(describing: reported)) \(agent.output)")

            // The admin logs Ana in: a QueueAdd reaches the manager before the answer.
            let login = try await admin.request("PUT", "\(t)/queues/\(queue)/agents/\(anaAgent)/state", json: #"{"state":"loggedIn"}"#)
            #expect(login.status == 200, "\(login.bodyText)")
            let change = try login.json(Change.self)
            #expect(change.nodes.map(\.applied) == [true], "\(change.nodes.map { $0.error ?? "" })")
            var actions = ami.login.actions.withLock { $0 }
            #expect(actions.contains { $0.contains("Action: QueueAdd\r\nQueue: \(key)-q2000\r\nInterface: PJSIP/\(anaSIP)\r\nStateInterface: PJSIP/\(anaSIP)\r\nPenalty: 1\r\nPaused: false\r\nMemberName: 1001 Ana") })

            // Ana (a member) pauses herself; then the admin logs her out.
            #expect(try await member.request("PUT", "\(t)/queues/\(queue)/agents/\(anaAgent)/state", json: #"{"state":"paused"}"#).json(Change.self).nodes.map(\.applied) == [true])
            #expect(try await member.request("PUT", "\(t)/queues/\(queue)/agents/\(anaAgent)/state", json: #"{"state":"loggedOut"}"#).status == 409)
            _ = try await member.request("PUT", "\(t)/queues/\(queue)/agents/\(anaAgent)/state", json: #"{"state":"loggedIn"}"#)
            let logout = try await admin.request("PUT", "\(t)/queues/\(queue)/agents/\(anaAgent)/state", json: #"{"state":"loggedOut"}"#).json(Change.self)
            #expect(logout.nodes.map(\.applied) == [true], "removing a member the node no longer has still leaves it logged out")
            actions = ami.login.actions.withLock { $0 }
            #expect(actions.contains { $0.contains("Action: QueuePause\r\nQueue: \(key)-q2000\r\nInterface: PJSIP/\(anaSIP)\r\nPaused: true") })
            #expect(actions.contains { $0.contains("Action: QueuePause\r\nQueue: \(key)-q2000\r\nInterface: PJSIP/\(anaSIP)\r\nPaused: false") })
            #expect(actions.contains { $0.contains("Action: QueueRemove\r\nQueue: \(key)-q2000\r\nInterface: PJSIP/\(anaSIP)") })
            #expect(!actions.contains { $0.contains("Command: ") }, "no redeploy, no reload")

            // The node goes away: the portal keeps the state and says the node did not take it.
            agent.signal(SIGTERM)
            _ = try await agent.wait()
            let offline = try await admin.request("PUT", "\(t)/queues/\(queue)/agents/\(anaAgent)/state", json: #"{"state":"loggedIn"}"#).json(Change.self)
            #expect(offline.agents.first?.state == "loggedIn")
            #expect(offline.nodes.first?.applied == false && offline.nodes.first?.error != nil)
        }
    }

    /// A node that had nothing of the tenant gets, after its first bundle, the agents the portal
    /// holds as logged in or paused (queue members live on the node, not in the bundle).
    @Test func aNewNodeGetsTheLoggedInAgentsAfterItsFirstBundle() async throws {
        try await withLivePortal(label: "agent_resync", deployer: true) { portal async throws in
            let tenant = try await portal.createTenant()
            let adminUser = try await portal.createUser(tenant: tenant, role: "admin")
            let operatorUser = try await portal.createUser(tenant: nil, role: "operator")
            let admin = try portal.client()
            try await admin.signIn(adminUser.username)
            let op = try portal.client()
            try await op.signIn(operatorUser.username)
            let t = "/api/v1/tenants/\(tenant)"
            var agents: [String: String] = [:]
            let queue = try await admin.request("POST", "\(t)/queues", json: #"{"name":"Support","number":"2000"}"#).json(Created.self).id
            for number in ["1001", "1002", "1003"] {
                let ext = try await admin.request("POST", "\(t)/extensions", json: #"{"ownerId":"\#(adminUser.id)","number":"\#(number)"}"#).json(Created.self).id
                agents[number] = try await admin.request("POST", "\(t)/queues/\(queue)/agents", json: #"{"extensionId":"\#(ext)"}"#).json(Created.self).id
            }
            for (number, state) in [("1001", "loggedIn"), ("1002", "loggedIn"), ("1002", "paused")] {
                let r = try await admin.request("PUT", "\(t)/queues/\(queue)/agents/\(agents[number] ?? "")/state", json: #"{"state":"\#(state)"}"#)
                #expect(try r.json(Change.self).nodes.isEmpty, "no node yet")
            }
            let ami = try ScriptedAMI(respond: Self.replies)
            let directory = try MediaNodeHarness.Directory("resync-agent")
            defer { directory.remove() }
            let port = try MediaNodeHarness.freePort()
            let agent = try await MediaNodeHarness.startAgent(port: port, directory: directory, directory.managerArguments(amiPort: ami.port))
            defer { agent.signal(SIGTERM) }
            let node = try await op.request("POST", "/api/v1/media-nodes", json: #"{"name":"node-new","url":"http://127.0.0.1:\#(port)","secret":"\#(directory.secret)"}"#)
            #expect(try await op.request("PUT", "/api/v1/media-nodes/\(try node.json(Created.self).id)/tenants/\(tenant)").status == 204)

            var adds: [String] = []
            for _ in 0..<100 {
                adds = ami.login.actions.withLock { $0 }.filter { $0.contains("Action: QueueAdd") }
                if adds.count >= 2 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let actions = ami.login.actions.withLock { $0 }
            #expect(adds.count == 2, "\(actions)")
            #expect(adds.contains { $0.contains("MemberName: 1001") && $0.contains("Paused: false") })
            #expect(adds.contains { $0.contains("MemberName: 1002") && $0.contains("Paused: true") })
            #expect(!actions.contains { $0.contains("1003") || $0.contains("QueueRemove") }, "logged-out agents need nothing")
        }
    }
}

