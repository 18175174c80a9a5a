import Foundation
import HTTPServer
import MediaProtocol
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// What the tests that play a media node share: a free port, a config directory with the
/// node's secrets, the real `centralita-media-agent` binary, and reports signed as the node.
enum MediaNodeHarness {
    static func freePort() throws -> Int { try Ports.free() }

    /// A fresh config directory for one agent, holding its shared secret (`secret`) and a
    /// manager password (`ami-secret`); the caller removes it with `remove()`.
    struct Directory {
        let path: String
        let secret: String

        init(_ label: String) throws {
            path = NSTemporaryDirectory() + "\(label)-\(UUID().uuidString)"
            secret = "\(label)-secret-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try secret.write(toFile: path + "/secret", atomically: true, encoding: .utf8)
            try "ami-pass".write(toFile: path + "/ami-secret", atomically: true, encoding: .utf8)
        }

        /// The agent's arguments for this directory and a manager peer on `amiPort`.
        func managerArguments(amiPort: Int) -> [String] {
            ["--ami-host", "127.0.0.1", "--ami-port", "\(amiPort)", "--ami-username", "centralita", "--ami-secret-file", path + "/ami-secret"]
        }

        func remove() { try? FileManager.default.removeItem(atPath: path) }
    }

    /// The agent binary on `port`, writing under the directory, once it listens.
    static func startAgent(port: Int, directory: Directory, _ more: [String] = []) async throws -> Shell.Running {
        let agent = try Shell.start(LivePortal.home + "/.build/debug/centralita-media-agent",
                                    ["--port", "\(port)", "--config-dir", directory.path, "--secret-file", directory.path + "/secret",
                                     "--log-level", "info"] + more)
        _ = try await agent.waitForOutput(containing: "media agent listening")
        return agent
    }

    /// Posts `events` to the portal as `node`, signed with `secret`; the answer's status.
    static func post(_ events: [NodeEvent], to portal: LivePortal, node: String, secret: String) async throws -> Int {
        let body = try JSONCoding.encode(NodeEventBatch(events: events))
        var headers: [String: String] = [NodeEventBatch.nodeHeader: node, "Content-Type": "application/json"]
        for (name, value) in RequestSignature.headers(secret: Array(secret.utf8), method: "POST", path: NodeEventBatch.path, body: body) {
            headers[name] = value
        }
        return try await portal.client().request("POST", NodeEventBatch.path, json: String(decoding: body, as: UTF8.self), headers: headers).status
    }
}
