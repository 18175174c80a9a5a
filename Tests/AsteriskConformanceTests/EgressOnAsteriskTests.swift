import Dialplan
import Foundation
import HTTPServer
import Logging
import Synchronization
import Testing
import TestSupport

/// A tenant's dial plan on a real Asterisk makes its HTTP requests only through the real
/// `centralita-media-agent`'s egress proxy: a name lookup reaches the operator's allow-listed
/// CRM (with the proxy's `Via`), while a notification to a private address that is not on the
/// list — directly, or by a redirect from the allowed CRM — reaches nothing.
@Suite(.enabled(if: Conformance.available, "no Asterisk 22 here (CENTRALITA_ASTERISK)"))
struct EgressOnAsteriskTests {
    /// A web server that records each request's path and `Via`.
    final class Web: Sendable {
        final class Seen: Sendable { let list = Mutex<[String]>([]) }
        let server: HTTPServer
        let seen = Seen()
        var hits: [String] { seen.list.withLock { $0 } }
        var url: String { "http://\(server.configuration.host):\(server.port)" }

        init(address: String, redirectTo: String? = nil) throws {
            let router = Router()
            let seen = self.seen
            router.group("").get("/{path...}") { request in
                seen.list.withLock { $0.append("\(request.target) via=\(request.headers["Via"] ?? "-")") }
                if let redirectTo { return HTTPResponse(status: .found, headers: ["Location": redirectTo]) }
                return .text("Ana CRM")
            }
            server = HTTPServer(configuration: HTTPServerConfiguration(host: address, port: 0), router: router, logger: Logger(label: "egress-crm"))
            try server.start()
        }
    }

    /// The extension of the call flow called `name` in the `[<tenant>-flow]` context.
    static func flowKey(_ name: String, in dialplan: String, tenant: String) -> String? {
        guard let context = dialplan.range(of: "[\(tenant)-flow]") else { return nil }
        for line in dialplan[context.upperBound...].split(separator: "\n") where line.contains("NoOp(call flow \(name))") {
            return line.dropFirst("exten => ".count).split(separator: ",").first.map(String.init)
        }
        return nil
    }

    static func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<150 where !condition() { try await Task.sleep(for: .milliseconds(100)) }
    }

    @Test func dialPlanRequestsGoThroughTheAgentsProxyAndOnlyToAllowedHosts() async throws {
        let crm = try Web(address: "127.0.0.1")
        let inside = try Web(address: "127.0.0.2")
        let bouncer = try Web(address: "127.0.0.1", redirectTo: inside.url + "/secret")
        let crmPort = crm.server.port, bouncerPort = bouncer.server.port
        defer { Task { for web in [crm, inside, bouncer] { await web.server.shutdown() } } }
        let snapshot = ConformanceTenants.menus
        var files = DialplanCompiler.compile(snapshot, options: ConformanceTenants.options).files
        let compiled = String(decoding: files["extensions.conf"] ?? [], as: UTF8.self)
        files["extensions.conf"] = Array(compiled.replacingOccurrences(of: ScenarioWeb.placeholder + "who", with: crm.url + "/who")
            .replacingOccurrences(of: ScenarioWeb.placeholder + "flow", with: bouncer.url + "/flow")
            .replacingOccurrences(of: ScenarioWeb.placeholder + "slow/route", with: inside.url + "/direct").utf8)
        let who = try #require(Self.flowKey("Who calls", in: compiled, tenant: snapshot.prefix))
        let ask = try #require(Self.flowKey("Ask the CRM", in: compiled, tenant: snapshot.prefix))
        let slow = try #require(Self.flowKey("A slow CRM", in: compiled, tenant: snapshot.prefix))
        let egressPort = try Ports.free()
        let bundle = files
        try await Conformance.slots.run {
            let node = try await AsteriskNode.start(bundles: [snapshot.prefix: bundle], egressProxy: "http://127.0.0.1:\(egressPort)")
            let agent: Shell.Running
            do {
                try "egress-on-asterisk-secret-0123".write(toFile: node.directory + "/agent-secret", atomically: true, encoding: .utf8)
                agent = try Shell.start(LivePortal.home + "/.build/debug/centralita-media-agent", [
                    "--port", "\(try Ports.free())", "--config-dir", node.etc, "--secret-file", node.directory + "/agent-secret",
                    "--egress-listen", "127.0.0.1:\(egressPort)", "--egress-allow", "127.0.0.1:\(crmPort)", "--egress-allow", "127.0.0.1:\(bouncerPort)",
                ])
            } catch {
                await node.stop()
                throw error
            }
            do {
                _ = try await agent.waitForOutput(containing: "egress proxy listening")
                let ami = try await node.manager()
                defer { ami.close() }
                for key in [who, ask, slow] {
                    _ = try await ami.action(["Action": "Originate", "Channel": "Local/\(key)@\(snapshot.prefix)-flow/n", "Application": "Wait", "Data": "10",
                                              "CallerID": "\"\" <600100200>", "Async": "true"])
                }
                // The refused redirect leaves the notification without a reply: it takes its
                // "otherwise" steps (the queue), not a branch read from the proxy's answer.
                let queued = try await ami.waitForEvent(timeout: .seconds(20)) {
                    $0.event == "Newexten" && ($0["Channel"] ?? "").hasPrefix("Local/\(ask)@") && $0["Application"] == "Queue"
                }
                #expect(queued["Application"] == "Queue")
                try await Self.waitUntil { crm.hits.count >= 1 && bouncer.hits.count >= 1 && agent.output.components(separatedBy: "egress refused").count > 2 }
                #expect(crm.hits == ["/who?n=600100200 via=1.1 centralita-egress"])
                #expect(bouncer.hits == ["/flow?from=600100200 via=1.1 centralita-egress"])
                #expect(inside.hits.isEmpty, "a private address was reached: \(inside.hits)")
                let refusals = agent.output.split(separator: "\n").filter { $0.contains("egress refused") }
                #expect(refusals.count == 2 && refusals.allSatisfy { $0.contains("127.0.0.2") }, "\(refusals)")
                // Asterisk knew every CURLOPT the dial plan set (an unknown one is an ERROR line).
                #expect(node.problems.filter { $0.contains("CURL") }.isEmpty, "\(node.problems)")
                agent.signal(SIGKILL)
                await node.stop()
            } catch {
                agent.signal(SIGKILL)
                await node.stop(keep: ProcessInfo.processInfo.environment["CENTRALITA_KEEP_ASTERISK"] != nil)
                throw error
            }
        }
    }
}
