import Foundation
import HTTPServer
import Logging
import MediaProtocol
import Testing
import TestSupport
@testable import MediaAgent

/// `POST /v1/commands`: queue-agent changes carried out at once through the manager
/// interface, against a scripted peer speaking the AMI protocol.
@Suite struct LiveCommandTests {
    /// QueueAdd and QueuePause succeed; QueueRemove of a member that is not there answers
    /// Asterisk's error; anything on queue t7-q9999 is refused.
    static let replies: @Sendable (String) -> String? = { action in
        let id = action.split(separator: "\r\n").first { $0.hasPrefix("ActionID: ") }.map { String($0.dropFirst(10)) } ?? ""
        if action.contains("Queue: t7-q9999") { return "Response: Error\r\nActionID: \(id)\r\nMessage: Unable to add interface to queue: No such queue\r\n\r\n" }
        if action.contains("Action: QueueRemove") { return "Response: Error\r\nActionID: \(id)\r\nMessage: Unable to remove interface: Not there\r\n\r\n" }
        if action.contains("Action: Queue") { return "Event: QueueMemberAdded\r\nQueue: t7-q2000\r\n\r\nResponse: Success\r\nActionID: \(id)\r\nMessage: Done\r\n\r\n" }
        return nil
    }

    func agent(ami: ScriptedAMI?) throws -> MediaAgentTests.Node {
        let dir = NSTemporaryDirectory() + "agent-cmd-\(UUID().uuidString)"
        var configuration = AgentConfiguration(configDirectory: dir, secret: MediaAgentTests.secret)
        configuration.port = 0
        configuration.commandTimeout = 5
        configuration.ami = ami.map { .init(host: "127.0.0.1", port: $0.port, username: "centralita", secret: "ami-pass") }
        let agent = try MediaAgent(configuration: configuration, logger: Logger(label: "agent-cmd"))
        try agent.start()
        return try MediaAgentTests.Node(wrapping: agent, directory: dir)
    }

    func post(_ node: MediaAgentTests.Node, _ body: [UInt8], secret: [UInt8] = MediaAgentTests.secret) async throws -> RawResponse {
        let headers = RequestSignature.headers(secret: secret, method: "POST", path: NodeCommandBatch.path, timestamp: Int(Date().timeIntervalSince1970),
                                               nonce: UUID().uuidString, body: body)
        return try await HTTPClient.request("POST", base: node.base, path: NodeCommandBatch.path,
                                            headers: headers + [("Content-Type", "application/json")], body: body)
    }

    @Test func agentChangesBecomeManagerActionsWithPerCommandResults() async throws {
        let ami = try ScriptedAMI(respond: Self.replies)
        let node = try agent(ami: ami)
        let batch = NodeCommandBatch(tenant: "t7", commands: [
            NodeCommand(action: .queueAdd, queue: "t7-q2000", interface: "PJSIP/100000001", memberName: "1001 Ana Pérez", penalty: 2, paused: false),
            NodeCommand(action: .queuePause, queue: "t7-q2000", interface: "PJSIP/100000001", paused: true),
            NodeCommand(action: .queueRemove, queue: "t7-q2000", interface: "PJSIP/100000002"),
            NodeCommand(action: .queueAdd, queue: "t7-q9999", interface: "PJSIP/100000001"),
        ])
        let response = try await post(node, try JSONCoding.encode(batch))
        await node.stop()
        #expect(response.status == 200, "\(response.bodyText)")
        let results = try response.json(NodeCommandResults.self).results
        #expect(results.map(\.ok) == [true, true, true, false], "removing a member that is not there leaves the wanted state")
        #expect(results[3].message.contains("No such queue"))
        let actions = ami.login.actions.withLock { $0 }.filter { !$0.contains("Logoff") }
        #expect(actions.count == 4)
        #expect(actions[0].contains("Action: QueueAdd\r\nQueue: t7-q2000\r\nInterface: PJSIP/100000001\r\nStateInterface: PJSIP/100000001\r\nPenalty: 2\r\nPaused: false\r\nMemberName: 1001 Ana Pérez"))
        #expect(actions[1].contains("Action: QueuePause\r\nQueue: t7-q2000\r\nInterface: PJSIP/100000001\r\nPaused: true"))
        #expect(actions[2].contains("Action: QueueRemove\r\nQueue: t7-q2000\r\nInterface: PJSIP/100000002"))
    }

    @Test func batchesOutsideTheirTenantOrUnsafeForAMIAreRefused() async throws {
        let ami = try ScriptedAMI(respond: Self.replies)
        let node = try agent(ami: ami)
        func refused(_ batch: NodeCommandBatch) async throws -> RawResponse { try await post(node, try JSONCoding.encode(batch)) }
        let otherTenant = try await refused(.init(tenant: "t7", commands: [.init(action: .queueRemove, queue: "t8-q2000", interface: "PJSIP/100000001")]))
        let injection = try await refused(.init(tenant: "t7", commands: [.init(action: .queueAdd, queue: "t7-q2000", interface: "PJSIP/100000001",
                                                                               memberName: "x\r\nAction: Originate")]))
        let notPJSIP = try await refused(.init(tenant: "t7", commands: [.init(action: .queueRemove, queue: "t7-q2000", interface: "Local/1@x")]))
        let unsigned = try await post(node, try JSONCoding.encode(NodeCommandBatch(tenant: "t7", commands: [])), secret: Array("wrong".utf8))
        await node.stop()
        #expect(otherTenant.status == 422 && otherTenant.bodyText.contains("not a queue of t7"))
        #expect(injection.status == 422 && injection.bodyText.contains("memberName"))
        #expect(notPJSIP.status == 422)
        #expect(unsigned.status == 401)
        #expect(ami.login.actions.withLock { $0 }.isEmpty, "nothing reached the manager")
    }

    @Test func aNodeWithoutManagerSettingsSays503() async throws {
        let node = try agent(ami: nil)
        let response = try await post(node, try JSONCoding.encode(NodeCommandBatch(tenant: "t7", commands: [
            .init(action: .queueRemove, queue: "t7-q2000", interface: "PJSIP/100000001")])))
        await node.stop()
        #expect(response.status == 503)
    }

    @Test func queueMembershipEventsBecomeAgentReports() {
        let added = EventForwarder.nodeEvent(from: ["Event": "QueueMemberAdded", "Queue": "t3-q2000", "Interface": "PJSIP/100000001", "Paused": "0"])
        #expect(added?.type == "agentState" && added?.state == "loggedIn" && added?.tenant == "t3" && added?.queue == "2000" && added?.endpoint == "100000001")
        #expect(EventForwarder.nodeEvent(from: ["Event": "QueueMemberPause", "Queue": "t3-q2000", "Interface": "PJSIP/100000001", "Paused": "1"])?.state == "paused")
        #expect(EventForwarder.nodeEvent(from: ["Event": "QueueMemberRemoved", "Queue": "t3-q2000", "Interface": "PJSIP/100000001"])?.state == "loggedOut")
        #expect(EventForwarder.nodeEvent(from: ["Event": "AgentConnect", "Queue": "t3-q2000", "Interface": "PJSIP/100000001"])?.type == "agentCall")
        let sticky = EventForwarder.nodeEvent(from: ["Event": "UserEvent", "UserEvent": "CentralitaStickyAgent", "Queue": "t3-q2000", "Interface": "PJSIP/100000001"])
        #expect(sticky?.type == "agentCall" && sticky?.queue == "2000" && sticky?.endpoint == "100000001")
        #expect(EventForwarder.nodeEvent(from: ["Event": "UserEvent", "UserEvent": "Other", "Queue": "t3-q2000", "Interface": "PJSIP/100000001"]) == nil)
        #expect(EventForwarder.nodeEvent(from: ["Event": "QueueMemberAdded", "Queue": "support", "Interface": "PJSIP/100000001"]) == nil)
        let email = EventForwarder.nodeEvent(from: ["Event": "UserEvent", "UserEvent": "CentralitaEmail", "Tenant": "t3", "Key": "00ff00ff00ff00ff",
                                                    "Caller": "+34600111222", "Name": "P%C3%A9rez%2C%20Ana"])
        #expect(email?.type == "emailRequested" && email?.reference == "00ff00ff00ff00ff" && email?.callerName == "Pérez, Ana")
        #expect(EventForwarder.nodeEvent(from: ["Event": "QueueMemberAdded", "Queue": "t3-q2000", "Interface": "SIP/100000001"]) == nil)
    }
}
