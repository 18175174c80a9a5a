import Foundation
import HTTPServer
import Logging
import MediaProtocol
import Testing
@testable import MediaAgent

/// A real agent on a loopback port writing into a temporary Asterisk folder, driven over HTTP.
@Suite struct MediaAgentTests {
    static let secret = Array("0123456789abcdef-test-secret".utf8)

    final class Node: Sendable {
        let agent: MediaAgent
        let directory: String
        init(reload: [[String]] = [], timeout: Double = 5) throws {
            directory = NSTemporaryDirectory() + "agent-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try "[general]\n".write(toFile: directory + "/extensions.conf", atomically: true, encoding: .utf8)
            var configuration = AgentConfiguration(configDirectory: directory, secret: MediaAgentTests.secret)
            configuration.port = 0
            configuration.reloadCommands = reload
            configuration.commandTimeout = timeout
            agent = try MediaAgent(configuration: configuration, logger: Logger(label: "agent-test"))
            try agent.start()
        }
        init(wrapping agent: MediaAgent, directory: String) throws {
            self.agent = agent
            self.directory = directory
        }
        var base: String { "http://127.0.0.1:\(agent.port)" }
        func stop() async {
            await agent.shutdown()
            try? FileManager.default.removeItem(atPath: directory)
        }
        func file(_ path: String) -> String? { try? String(contentsOfFile: directory + "/tenants/" + path, encoding: .utf8) }
    }

    static func withNode(reload: [[String]] = [], timeout: Double = 5, _ body: (Node) async throws -> Void) async throws {
        let node = try Node(reload: reload, timeout: timeout)
        do { try await body(node) } catch { await node.stop(); throw error }
        await node.stop()
    }

    static func put(_ node: Node, _ payload: BundlePayload, tenant: String? = nil, secret: [UInt8] = secret, nonce: String = UUID().uuidString,
                    timestamp: Int = Int(Date().timeIntervalSince1970)) async throws -> RawResponse {
        let body = try JSONCoding.encode(payload)
        let path = "/v1/tenants/\(tenant ?? payload.tenant)/bundle"
        let headers = RequestSignature.headers(secret: secret, method: "PUT", path: path, timestamp: timestamp, nonce: nonce, body: body)
        return try await HTTPClient.request("PUT", base: node.base, path: path, headers: headers + [("Content-Type", "application/json")], body: body)
    }

    static func bundle(_ revision: Int, _ text: String = "x", tenant: String = "t7") -> BundlePayload {
        BundlePayload(tenant: tenant, revision: revision, files: ["extensions.conf": Array("; rev \(revision) \(text)\n".utf8), "sounds/hello.wav": [1, 2, 3]])
    }

    @Test func aSignedBundleIsAppliedAndReported() async throws {
        try await Self.withNode { node async throws in
            let response = try await Self.put(node, Self.bundle(1))
            #expect(response.status == 200, "\(response.bodyText)")
            #expect(node.file("t7/extensions.conf") == "; rev 1 x\n")
            let path = "/v1/tenants/t7"
            let headers = RequestSignature.headers(secret: Self.secret, method: "GET", path: path, timestamp: Int(Date().timeIntervalSince1970), nonce: "n1", body: [])
            let state = try await HTTPClient.request("GET", base: node.base, path: path, headers: headers).json(AppliedState.self)
            #expect(state.revision == 1)
            #expect(state.checksum == Self.bundle(1).checksum)
            let main = try String(contentsOfFile: node.directory + "/extensions.conf", encoding: .utf8)
            #expect(main.contains("#tryinclude tenants/*/extensions.conf"))
            #expect(main.hasPrefix("[general]\n"))
        }
    }

    @Test func aBadSignatureIsRefused() async throws {
        try await Self.withNode { node async throws in
            let response = try await Self.put(node, Self.bundle(1), secret: Array("another-secret-entirely".utf8))
            #expect(response.status == 401)
            #expect(node.file("t7/extensions.conf") == nil)
        }
    }

    @Test func aReplayIsRefused() async throws {
        try await Self.withNode { node async throws in
            #expect(try await Self.put(node, Self.bundle(1), nonce: "same").status == 200)
            #expect(try await Self.put(node, Self.bundle(2), nonce: "same").status == 401)
            #expect(node.file("t7/extensions.conf") == "; rev 1 x\n")
        }
    }

    @Test func aStaleTimestampIsRefused() async throws {
        try await Self.withNode { node async throws in
            let response = try await Self.put(node, Self.bundle(1), timestamp: Int(Date().timeIntervalSince1970) - 301)
            #expect(response.status == 401)
            #expect(response.bodyText.contains("clock"))
        }
    }

    @Test(arguments: ["../escape.conf", "/etc/passwd", "a/../../b", ".hidden", "a//b", "sounds/../x"])
    func pathsOutsideTheTenantFolderAreRefused(_ path: String) async throws {
        try await Self.withNode { node async throws in
            var payload = BundlePayload(tenant: "t7", revision: 1, files: ["x.conf": [1]])
            payload.files.append(.init(path: path, sha256: Digests.hex(Digests.sha256([1])), content: Data([1]).base64EncodedString()))
            payload.checksum = BundlePayload.checksum(payload.files.map { ($0.path, $0.sha256) })
            let response = try await Self.put(node, payload)
            #expect(response.status == 422)
            #expect(!FileManager.default.fileExists(atPath: node.directory + "/escape.conf"))
            #expect(node.file("t7/x.conf") == nil)
        }
    }

    @Test func theSameRevisionTwiceIsANoOpAndAnOlderOneIsRefused() async throws {
        try await Self.withNode { node async throws in
            #expect(try await Self.put(node, Self.bundle(3)).status == 200)
            let again = try await Self.put(node, Self.bundle(3))
            #expect(again.status == 200)
            #expect(again.bodyText.contains("\"unchanged\":true"))
            #expect(try await Self.put(node, Self.bundle(3, "different")).status == 409)
            #expect(try await Self.put(node, Self.bundle(2)).status == 409)
            #expect(node.file("t7/extensions.conf") == "; rev 3 x\n")
        }
    }

    @Test func unchangedFilesNeedNotBeSentAgain() async throws {
        try await Self.withNode { node async throws in
            #expect(try await Self.put(node, Self.bundle(1)).status == 200)
            let known = ["sounds/hello.wav": Digests.hex(Digests.sha256([1, 2, 3]))]
            let second = BundlePayload(tenant: "t7", revision: 2, files: ["extensions.conf": Array("; rev 2\n".utf8), "sounds/hello.wav": [1, 2, 3]], omitting: known)
            #expect(second.files.first { $0.path == "sounds/hello.wav" }?.content == nil)
            #expect(try await Self.put(node, second).status == 200)
            #expect(FileManager.default.contents(atPath: node.directory + "/tenants/t7/sounds/hello.wav") == Data([1, 2, 3]))
            // A file the node does not have cannot be left out.
            let third = BundlePayload(tenant: "t7", revision: 3, files: ["new.wav": [9]], omitting: ["new.wav": Digests.hex(Digests.sha256([9]))])
            #expect(try await Self.put(node, third).status == 422)
        }
    }

    @Test func aFailingReloadPutsThePreviousTreeBack() async throws {
        let flag = NSTemporaryDirectory() + "fail-\(UUID().uuidString)"
        // The reload fails while the flag file exists.
        try await Self.withNode(reload: [["/bin/sh", "-c", "test ! -e \(flag)"]]) { node async throws in
            #expect(try await Self.put(node, Self.bundle(1)).status == 200)
            _ = FileManager.default.createFile(atPath: flag, contents: Data())
            defer { unlink(flag) }
            let failed = try await Self.put(node, Self.bundle(2))
            #expect(failed.status == 502)
            #expect(failed.bodyText.contains("exited 1"))
            #expect(node.file("t7/extensions.conf") == "; rev 1 x\n")
            unlink(flag)
            #expect(try await Self.put(node, Self.bundle(2)).status == 200)
            #expect(node.file("t7/extensions.conf") == "; rev 2 x\n")
        }
    }

    @Test func aReloadThatHangsIsStoppedAndRolledBack() async throws {
        try await Self.withNode(reload: [["/bin/sleep", "30"]], timeout: 1) { node async throws in
            let failed = try await Self.put(node, Self.bundle(1))
            #expect(failed.status == 502)
            #expect(failed.bodyText.contains("did not finish"))
            #expect(node.file("t7/extensions.conf") == nil)
        }
    }

    @Test func includesAreInstalledOnce() throws {
        let dir = NSTemporaryDirectory() + "inc-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        #expect(try AsteriskIncludes.install(in: dir).sorted() == ["extensions.conf", "features.conf", "musiconhold.conf", "pjsip.conf", "queues.conf", "voicemail.conf"])
        #expect(try AsteriskIncludes.install(in: dir).isEmpty)
        let pjsip = try String(contentsOfFile: dir + "/pjsip.conf", encoding: .utf8)
        #expect(pjsip.components(separatedBy: "#tryinclude tenants/*/pjsip.conf").count == 2)
    }
}
