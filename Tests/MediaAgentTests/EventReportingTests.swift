import Foundation
import HTTPServer
import Logging
import MediaProtocol
import Synchronization
import Testing
import TestSupport
@testable import MediaAgent
#if canImport(Glibc)
import Glibc
#endif

/// The agent's AMI reader against a scripted peer speaking the manager protocol, and the
/// forwarder posting what it read to a stand-in portal that checks the signature.
@Suite struct EventReportingTests {
    @Test func aRuleToggleReadFromTheManagerIsReportedSigned() async throws {
        let ami = try ScriptedAMI(blocks: [
            "Event: FullyBooted\r\nPrivilege: system,all\r\nStatus: Fully Booted\r\n\r\n",
            "Event: UserEvent\r\nPrivilege: user,all\r\nChannel: PJSIP/100000001-0000002a\r\nUserEvent: CentralitaRuleToggle\r\nTenant: t7\r\nExtension: 1001\r\nCode: 3\r\nState: off\r\n\r\n",
        ])
        let secret = Array("node-secret-for-events-test".utf8)
        let received = Mutex<[NodeEvent]>([])
        let router = Router()
        let replays = ReplayGuard()
        router.group("").post(NodeEventBatch.path) { request in
            do {
                try RequestSignature.verify(secret: secret, method: "POST", path: request.target, body: request.body,
                                            now: Int(Date().timeIntervalSince1970), replays: replays) { request.headers[$0] }
            } catch { return HTTPResponse(status: .unauthorized) }
            guard request.headers[NodeEventBatch.nodeHeader] == "node-1" else { return HTTPResponse(status: .unauthorized) }
            let batch = try JSONCoding.decode(NodeEventBatch.self, from: request.body)
            received.withLock { $0 += batch.events }
            return .noContent()
        }
        try await withTestServer(router: router) { portal in
            let dir = NSTemporaryDirectory() + "agent-events-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: dir) }
            var configuration = AgentConfiguration(configDirectory: dir, secret: secret)
            configuration.port = 0
            configuration.ami = .init(host: "127.0.0.1", port: ami.port, username: "centralita", secret: "ami-pass")
            configuration.portal = .init(url: "http://127.0.0.1:\(portal.port)", nodeID: "node-1")
            let agent = try MediaAgent(configuration: configuration, logger: Logger(label: "agent-events"))
            try agent.start()
            var waited = 0
            while received.withLock({ $0.isEmpty }) && waited < 200 {
                try await Task.sleep(for: .milliseconds(50))
                waited += 1
            }
            await agent.shutdown()
            let events = received.withLock { $0 }
            #expect(events.count == 1)
            #expect(events.first?.type == "ruleToggled")
            #expect(events.first?.tenant == "t7")
            #expect(events.first?.extensionNumber == "1001")
            #expect(events.first?.code == 3)
            #expect(events.first?.active == false)
            let login = ami.login.text.withLock { $0 }
            #expect(login.contains("Action: Login\r\nUsername: centralita\r\nSecret: ami-pass\r\n"))
        }
    }

    @Test func onlyRuleTogglesAndQueueEventsBecomeNodeEvents() {
        #expect(EventForwarder.nodeEvent(from: ["Event": "UserEvent", "UserEvent": "Other"]) == nil)
        #expect(EventForwarder.nodeEvent(from: ["Event": "Hangup"]) == nil)
        let on = EventForwarder.nodeEvent(from: ["Event": "UserEvent", "UserEvent": "CentralitaRuleToggle", "Tenant": "t1", "Extension": "1002",
                                                 "Code": "0", "State": "on"])
        #expect(on?.active == true)
        #expect(on?.code == 0)
    }

    static func commandReplies(failing: String? = nil) -> @Sendable (String) -> String? {
        { action in
            guard action.contains("Action: Command") else { return nil }
            let id = action.split(separator: "\r\n").first { $0.hasPrefix("ActionID: ") }.map { String($0.dropFirst(10)) } ?? ""
            if let failing, action.contains("Command: \(failing)") {
                return "Response: Error\r\nActionID: \(id)\r\nMessage: Command output follows\r\nOutput: No such command '\(failing)'\r\n\r\n"
            }
            return "Response: Success\r\nActionID: \(id)\r\nMessage: Command output follows\r\nOutput: Dialplan reloaded.\r\n\r\n"
        }
    }

    func agent(ami: ScriptedAMI, commands: [String]) throws -> (MediaAgent, String) {
        let dir = NSTemporaryDirectory() + "agent-ami-\(UUID().uuidString)"
        var configuration = AgentConfiguration(configDirectory: dir, secret: MediaAgentTests.secret)
        configuration.port = 0
        configuration.commandTimeout = 5
        configuration.ami = .init(host: "127.0.0.1", port: ami.port, username: "centralita", secret: "ami-pass")
        configuration.amiReloadCommands = commands
        let agent = try MediaAgent(configuration: configuration, logger: Logger(label: "agent-ami"))
        try agent.start()
        return (agent, dir)
    }

    @Test func reloadCommandsGoThroughTheManagerInterface() async throws {
        let ami = try ScriptedAMI(respond: Self.commandReplies())
        let (agent, dir) = try agent(ami: ami, commands: ["module reload res_pjsip.so", "dialplan reload"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let node = try MediaAgentTests.Node(wrapping: agent, directory: dir)
        let response = try await MediaAgentTests.put(node, MediaAgentTests.bundle(1))
        await agent.shutdown()
        #expect(response.status == 200, "\(response.bodyText)")
        let commands = ami.login.actions.withLock { $0 }.filter { $0.contains("Action: Command") }
        #expect(commands.count == 2)
        #expect(commands.first?.contains("Command: module reload res_pjsip.so") == true)
    }

    @Test func aFailedManagerCommandRollsTheTreeBack() async throws {
        let ami = try ScriptedAMI(respond: Self.commandReplies(failing: "dialplan reload"))
        let (agent, dir) = try agent(ami: ami, commands: ["dialplan reload"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let node = try MediaAgentTests.Node(wrapping: agent, directory: dir)
        let response = try await MediaAgentTests.put(node, MediaAgentTests.bundle(1))
        await agent.shutdown()
        #expect(response.status == 502)
        #expect(response.bodyText.contains("No such command"))
        #expect(node.file("t7/extensions.conf") == nil)
    }
}
