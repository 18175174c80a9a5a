import Dialplan
import Foundation
import HTTPServer
import MediaAgent
import MediaProtocol
import Testing
import TestSupport

/// The real `centralita-media-agent` in front of a real Asterisk (`--reload-asterisk`): it
/// reloads exactly what a bundle changed, reports "applied" only once Asterisk lists everything
/// the bundle declares, puts the old tree back with Asterisk's own words when Asterisk refuses
/// a bundle, and takes a deleted tenant off the node entirely.
@Suite(.enabled(if: Conformance.available, "no Asterisk 22 here (CENTRALITA_ASTERISK)"))
struct MediaAgentOnAsteriskTests {
    static let secret = "agent-on-asterisk-secret-0123456789"

    /// A node, the agent in front of it, and a way to talk to the agent as the portal does.
    struct Rig {
        let node: AsteriskNode
        let agentPort: Int
        let agent: Shell.Running

        func send(_ method: String, _ path: String, body: [UInt8] = []) async throws -> RawResponse {
            try await HTTPClient.request(method, base: "http://127.0.0.1:\(agentPort)", path: path,
                                         headers: RequestSignature.headers(secret: Array(MediaAgentOnAsteriskTests.secret.utf8), method: method, path: path, body: body)
                                             + [("Content-Type", "application/json")], body: body, timeout: 60)
        }

        func apply(_ snapshot: TenantSnapshot, revision: Int, edit: (inout [String: [UInt8]]) -> Void = { _ in }) async throws -> RawResponse {
            var files = DialplanCompiler.compile(snapshot, options: ConformanceTenants.options).files
            edit(&files)
            let body = try JSONCoding.encode(BundlePayload(tenant: snapshot.prefix, revision: revision, files: files))
            return try await send("PUT", "/v1/tenants/\(snapshot.prefix)/bundle", body: body)
        }
    }

    static func withRig(_ body: @Sendable (Rig) async throws -> Void) async throws {
        try await Conformance.withNode(bundles: [:]) { node in
            try secret.write(toFile: node.directory + "/agent-secret", atomically: true, encoding: .utf8)
            try AsteriskNode.amiSecret.write(toFile: node.directory + "/ami-secret", atomically: true, encoding: .utf8)
            let port = try Ports.free()
            let agent = try Shell.start(LivePortal.home + "/.build/debug/centralita-media-agent", [
                "--port", "\(port)", "--config-dir", node.etc, "--secret-file", node.directory + "/agent-secret",
                "--ami-host", "127.0.0.1", "--ami-port", "\(node.amiPort)", "--ami-username", AsteriskNode.amiUser,
                "--ami-secret-file", node.directory + "/ami-secret", "--reload-asterisk", "--asterisk-log", node.directory + "/log/messages.log",
            ])
            defer { agent.signal(SIGKILL) }
            _ = try await agent.waitForOutput(containing: "media agent listening")
            try await body(Rig(node: node, agentPort: port, agent: agent))
        }
    }

    @Test func anAppliedBundleIsLoadedAndOnlyWhatChangedIsReloaded() async throws {
        try await Self.withRig { rig in
            let ami = try await rig.node.manager()
            defer { ami.close() }
            let first = try await rig.apply(ConformanceTenants.rules, revision: 1)
            #expect(first.status == 200, "\(first.bodyText)")
            let declared = BundleManifest(DialplanCompiler.compile(ConformanceTenants.rules, options: ConformanceTenants.options).files)
            declared.expectLoaded(in: try await rig.node.inventory(), bundle: "rules")
            // A change to one extension's rules touches the dial plan only.
            var edited = ConformanceTenants.rules
            edited.extensions[0].rules.removeLast()
            let mark = ami.events.count
            let second = try await rig.apply(edited, revision: 2)
            #expect(second.status == 200, "\(second.bodyText)")
            // What the agent asked Asterisk to reload, as it logged it (its output reaches the
            // file in blocks: wait for both applies' lines) …
            var reloads: [Substring] = []
            for _ in 0..<100 {
                reloads = rig.agent.output.split(separator: "\n").filter { $0.contains("asterisk reloaded") }
                if reloads.count >= 2 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(reloads.count == 2, "\(reloads)")
            #expect(reloads.first?.contains("module reload res_pjsip.so") == true, "the first bundle loads everything: \(reloads)")
            let last = reloads.last ?? ""
            #expect(last.contains("dialplan reload"), "\(last)")
            #expect(!last.contains("res_pjsip") && !last.contains("app_queue") && !last.contains("voicemail"), "\(last)")
            // … and Asterisk re-read the hints (the dial plan) and kept the registrations.
            #expect(ami.events[mark...].contains { $0.event == "ExtensionStatus" })
            edited.extensions[0].rules = ConformanceTenants.rules.extensions[0].rules
            declared.expectLoaded(in: try await rig.node.inventory(), bundle: "rules revision 2")
            #expect(rig.node.problems == [])
        }
    }

    @Test func aBundleAsteriskRefusesIsRolledBackWithAsterisksWords() async throws {
        try await Self.withRig { rig in
            let first = try await rig.apply(ConformanceTenants.rules, revision: 1)
            #expect(first.status == 200, "\(first.bodyText)")
            // Revision 2 declares an endpoint the node already has (the carrier trunk):
            // res_pjsip refuses the whole file.
            let refused = try await rig.apply(ConformanceTenants.rules, revision: 2) { files in
                files["pjsip.conf", default: []] += Array("\n[centralita-trunk]\ntype=aor\nmax_contacts=1\n".utf8)
            }
            #expect(refused.status == 502, "\(refused.bodyText)")
            #expect(refused.bodyText.contains("duplicate object"), "Asterisk's own words: \(refused.bodyText)")
            // The old tree is back and loaded; the node says revision 1.
            let state = try await rig.send("GET", "/v1/tenants/t501")
            #expect(state.bodyText.contains("\"revision\":1"), "\(state.bodyText)")
            let declared = BundleManifest(DialplanCompiler.compile(ConformanceTenants.rules, options: ConformanceTenants.options).files)
            declared.expectLoaded(in: try await rig.node.inventory(), bundle: "rules after rollback")
        }
    }

    @Test func aDeletedTenantLeavesTheNode() async throws {
        try await Self.withRig { rig in
            let first = try await rig.apply(ConformanceTenants.rules, revision: 1)
            #expect(first.status == 200, "\(first.bodyText)")
            // A phone registers, then the tenant is deleted.
            let peers = SIPpPeers(node: rig.node)
            try await peers.register("500000001", password: ConformanceTenants.password("500000001"))
            #expect(try await rig.node.cli("pjsip show contacts").contains("500000001/sip:"))
            let listed = try await rig.send("GET", "/v1/tenants")
            #expect(listed.bodyText.contains("t501"))
            let deleted = try await rig.send("DELETE", "/v1/tenants/t501")
            #expect(deleted.status == 200, "\(deleted.bodyText)")
            let inventory = try await rig.node.inventory()
            let declared = BundleManifest(DialplanCompiler.compile(ConformanceTenants.rules, options: ConformanceTenants.options).files)
            #expect(declared.intersection(inventory).isEmpty, "still loaded: \(declared.intersection(inventory).summary)")
            #expect(!(try await rig.node.cli("pjsip show contacts")).contains("500000001/sip:"), "the phone is still registered")
            // Its numbers no longer route: the carrier's call is refused without any dial plan.
            let call = try peers.call("+34910500001", from: "+34600000001")
            _ = try await call.wait()
            #expect(!(try await rig.node.cli("core show channels")).contains("centralita-trunk"))
            let again = try await rig.send("DELETE", "/v1/tenants/t501")
            #expect(again.status == 200, "a repeated tombstone is harmless: \(again.bodyText)")
            #expect((try await rig.send("GET", "/v1/tenants")).bodyText.contains("\"tenants\":[]"))
        }
    }
}
