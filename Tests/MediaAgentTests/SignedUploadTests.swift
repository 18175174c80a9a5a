import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HTTPServer
import Logging
import MediaProtocol
import Testing
import TestSupport
@testable import MediaAgent

/// The signature is checked on the head, before the body; the body goes to disk and must
/// match the digest the portal signed; a large bundle is decoded off the agent's event loop.
@Suite struct SignedUploadTests {
    typealias Node = MediaAgentTests.Node
    static let secret = MediaAgentTests.secret

    static func head(_ method: String, _ path: String, port: Int, headers: [(String, String)], length: Int) -> String {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Length: \(length)\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        return text + "\r\n"
    }

    @Test func aBadSignatureWithAHugeBodyIsRefusedBeforeTheBodyIsRead() async throws {
        try await MediaAgentTests.withNode { node async throws in
            let path = "/v1/tenants/t7/bundle"
            let huge = 200 << 20
            // Signed with the wrong secret for a body that never comes: the agent must answer
            // from the head alone (waiting for 200 MiB would end in the client's timeout).
            let headers = RequestSignature.headers(secret: Array("not-the-node-secret-at-all".utf8), method: "PUT", path: path, body: [1, 2, 3])
            let client = try RawHTTPClient(port: node.agent.port, receiveTimeout: 5)
            try await client.send(Self.head("PUT", path, port: node.agent.port, headers: headers, length: huge) + String(repeating: "{", count: 4096))
            let response = try await client.readResponse()
            #expect(response.status == 401)
            #expect(response.bodyText.contains("signature"), "\(response.bodyText)")
            // And the connection is closed: the rest of the body is not waited for.
            #expect(await client.isClosedByServer())
            #expect(node.file("t7/extensions.conf") == nil)
        }
    }

    @Test func anUnsignedHeadIsRefusedOnEverySignedRoute() async throws {
        try await MediaAgentTests.withNode { node async throws in
            for (method, path) in [("GET", "/v1/tenants"), ("GET", "/v1/tenants/t7"), ("DELETE", "/v1/tenants/t7"), ("POST", NodeCommandBatch.path)] {
                let client = try RawHTTPClient(port: node.agent.port, receiveTimeout: 5)
                try await client.send(Self.head(method, path, port: node.agent.port, headers: [], length: 60_000))
                let response = try await client.readResponse()
                #expect(response.status == 401, "\(method) \(path)")
            }
        }
    }

    @Test func aBodyThatIsNotTheSignedOneIsRefused() async throws {
        try await MediaAgentTests.withNode { node async throws in
            let path = "/v1/tenants/t7/bundle"
            let signed = try JSONCoding.encode(MediaAgentTests.bundle(1, "signed"))
            let swapped = try JSONCoding.encode(MediaAgentTests.bundle(1, "sneaky"))
            #expect(signed.count == swapped.count)
            let headers = RequestSignature.headers(secret: Self.secret, method: "PUT", path: path, body: signed)
            let response = try await HTTPClient.request("PUT", base: node.base, path: path, headers: headers, body: swapped)
            #expect(response.status == 401)
            #expect(response.bodyText.contains("does not match its signed digest"), "\(response.bodyText)")
            #expect(node.file("t7/extensions.conf") == nil)
            // A body of another length than the signed one fails the signature itself.
            let longer = signed + Array(" ".utf8)
            let again = RequestSignature.headers(secret: Self.secret, method: "PUT", path: path, body: signed)
            let refused = try await HTTPClient.request("PUT", base: node.base, path: path, headers: again, body: longer)
            #expect(refused.status == 401)
            // The same for a small signed route whose body is read into memory.
            let batch = Array(#"{"tenant":"t7","commands":[]}"#.utf8)
            let commandHeaders = RequestSignature.headers(secret: Self.secret, method: "POST", path: NodeCommandBatch.path, body: batch)
            let tampered = Array(#"{"tenant":"t8","commands":[]}"#.utf8)
            let command = try await HTTPClient.request("POST", base: node.base, path: NodeCommandBatch.path, headers: commandHeaders, body: tampered)
            #expect(command.status == 401)
        }
    }

    @Test(arguments: [Int.min, Int.max, -1, 0])
    func aSignedButAbsurdTimestampIsClockSkewNotATrap(_ timestamp: Int) {
        let headers = RequestSignature.headers(secret: Self.secret, method: "GET", path: "/v1/tenants", timestamp: timestamp, nonce: "n-\(timestamp)", body: [])
        let lookup = Dictionary(uniqueKeysWithValues: headers)
        #expect(throws: RequestSignature.Failure.clockSkew) {
            try RequestSignature.verifyHead(secret: Self.secret, method: "GET", path: "/v1/tenants", contentLength: 0,
                                            now: Int(Date().timeIntervalSince1970), replays: ReplayGuard()) { lookup[$0] }
        }
    }

    @Test func aLargeBundleIsStreamedToDiskAndApplied() async throws {
        try await MediaAgentTests.withNode { node async throws in
            let random = try #require(FileHandle(forReadingAtPath: "/dev/urandom"))
            let audio = Array(random.readData(ofLength: 16 << 20))
            try random.close()
            let payload = BundlePayload(tenant: "t7", revision: 1, files: ["extensions.conf": Array("; big\n".utf8), "sounds/long.wav": audio])
            let body = try JSONCoding.encode(payload)
            let path = "/v1/tenants/t7/bundle"
            let headers = RequestSignature.headers(secret: Self.secret, method: "PUT", path: path, body: body)
            let upload = try RawHTTPClient(port: node.agent.port, receiveTimeout: 120)
            try await upload.send(Array(Self.head("PUT", path, port: node.agent.port, headers: headers, length: body.count).utf8) + body)
            // The whole body has been taken; the agent now checks, decodes and writes it.
            let put = Task { () throws -> (RawResponse, ContinuousClock.Instant) in
                let response = try await upload.readResponse()
                return (response, ContinuousClock.now)
            }
            let health = try RawHTTPClient(port: node.agent.port, receiveTimeout: 120)
            try await health.send("GET /healthz HTTP/1.1\r\nHost: agent\r\n\r\n")
            let healthy = try await health.readResponse()
            let answeredAt = ContinuousClock.now
            let (response, appliedAt) = try await put.value
            #expect(healthy.status == 200)
            #expect(response.status == 200, "\(response.bodyText)")
            #expect(answeredAt < appliedAt, "the health check waited for the bundle")
            let written = try Data(contentsOf: URL(fileURLWithPath: node.directory + "/tenants/t7/sounds/long.wav"))
            #expect(written.count == audio.count && Array(written.prefix(64)) == Array(audio.prefix(64)))
        }
    }

    /// Where the agent spools a body: the unlinked file it holds open, found through
    /// `/proc/self/fd` (the agent runs in this process), and how many bytes it holds.
    static func spooled(in directory: String) -> Int? {
        guard let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return nil }
        for fd in fds {
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + fd),
                  target.hasPrefix(directory + "/centralita-bundle-") else { continue }
            var info = stat()
            return stat("/proc/self/fd/" + fd, &info) == 0 ? Int(info.st_size) : nil
        }
        return nil
    }

    @Test func healthChecksAreAnsweredWhileABundleIsDecoded() async throws {
        let directory = NSTemporaryDirectory() + "agent-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var configuration = AgentConfiguration(configDirectory: directory, secret: Self.secret)
        configuration.port = 0
        configuration.spoolDirectory = directory + "/spool"
        let agent = try MediaAgent(configuration: configuration, logger: Logger(label: "agent-test"))
        try agent.start()
        let node = try Node(wrapping: agent, directory: directory)
        do {
            // A signed body that takes long to decode and then fails to (a trailing byte after
            // 64 MiB of JSON): its 422 is written as soon as the decoding ends, with no apply
            // after it. A health check sent once the whole body is on disk must come back
            // first, which it cannot if decoding holds the event loop.
            // The padding is a file's content made of escapes (`\u0061`), which the decoder must
            // unescape into a string: slow, so the decoding lasts long enough that the health
            // check's margin is not at the mercy of a busy scheduler.
            let escapes = Array(repeating: Array(#"\u0061"#.utf8), count: 1024).flatMap { $0 }
            let padding = Array(repeating: escapes, count: (64 << 20) / escapes.count).flatMap { $0 }
            let body = Array(#"{"tenant":"t7","revision":1,"checksum":"c","files":[{"path":"x","sha256":"s","content":""#.utf8) + padding
                + Array(#""}]}!"#.utf8)
            let path = "/v1/tenants/t7/bundle"
            let headers = RequestSignature.headers(secret: Self.secret, method: "PUT", path: path, body: body)
            // Up to three uploads: a machine busy with other suites can delay the watcher past
            // the whole decoding once; a loop held by the decoding answers the upload first
            // every time.
            var uploadAnsweredFirst = true
            for _ in 0..<3 where uploadAnsweredFirst {
                let upload = try RawHTTPClient(port: agent.port, receiveTimeout: 120)
                let health = try RawHTTPClient(port: agent.port, receiveTimeout: 120)
                // Watched from a thread of its own (not the cooperative pool, which other tests may
                // keep busy), started before the upload so that it sees the spool file grow: the
                // health check leaves the moment the last byte is on disk (or, on a machine too busy
                // to catch that moment, as soon as the file it saw growing was closed for decoding).
                // The same thread then waits for the health answer and, the moment it is readable,
                // asks the kernel whether the upload's answer has arrived too. Loopback delivers a
                // write at once, so a loop held by the decoding would have written the 422 before it
                // could answer the health check: the order is read from the sockets, not from clocks
                // of tasks that a busy scheduler may run late.
                let spool = directory + "/spool", length = body.count, fd = health.fd, uploadFD = upload.fd
                let watcher = Task {
                    try await BlockingIO.run { () -> (sent: Bool, uploadAnswered: Bool) in
                        var waited = 0
                        var seen = 0
                        while true {
                            let size = Self.spooled(in: spool)
                            if size == length { break }
                            if size == nil && seen > 0 { break }
                            seen = max(seen, size ?? 0)
                            // Starved past the whole upload (its answer is already there): this
                            // round saw nothing, and the next upload is tried.
                            var answered: Int32 = 0
                            if seen == 0, ioctl(uploadFD, UInt(FIONREAD), &answered) == 0, answered > 0 { return (false, true) }
                            guard waited < 120_000 else { return (false, false) }
                            usleep(1000)
                            waited += 1
                        }
                        let request = Array("GET /healthz HTTP/1.1\r\nHost: agent\r\n\r\n".utf8)
                        let sent = request.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == request.count
                        guard sent else { return (false, false) }
                        var readable = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                        guard poll(&readable, 1, 120_000) == 1 else { return (true, true) }
                        var pending: Int32 = 0
                        guard ioctl(uploadFD, UInt(FIONREAD), &pending) == 0 else { return (true, true) }
                        return (true, pending > 0)
                    }
                }
                try await upload.send(Array(Self.head("PUT", path, port: agent.port, headers: headers, length: body.count).utf8) + body)
                let (sent, answeredFirst) = try await watcher.value
                if !sent && answeredFirst {
                    _ = try await upload.readResponse()
                    continue
                }
                try #require(sent, "the whole body never reached the spool file")
                let healthy = try await health.readResponse()
                let response = try await upload.readResponse()
                #expect(healthy.status == 200)
                #expect(response.status == 422, "\(response.bodyText)")
                uploadAnsweredFirst = answeredFirst
            }
            #expect(!uploadAnsweredFirst, "the health check waited for the decoding")
        } catch {
            await node.stop()
            throw error
        }
        await node.stop()
    }
}
