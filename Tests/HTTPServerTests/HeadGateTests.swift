import Foundation
import Synchronization
import Testing
import TestSupport
@testable import HTTPServer

/// Route head gates: a head is judged before any of its body is read, and an accepted body can
/// be streamed to a sink instead of being held in memory.
@Suite struct HeadGateTests {
    /// Collects a streamed body and how many pieces it came in.
    final class Collector: HTTPBodySink, Sendable {
        let bytes = Mutex<[UInt8]>([])
        let pieces = Atomic<Int>(0)
        func write(_ part: [UInt8]) throws {
            bytes.withLock { $0 += part }
            pieces.add(1, ordering: .relaxed)
        }
    }

    static func router() -> Router {
        let router = Router()
        let gate: HTTPHeadGate = { request in
            if request.headers["X-Key"] == "break" { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: "/srv/spool/secret-path"]) }
            guard request.headers["X-Key"] == "open sesame" else { throw HTTPError(.forbidden, detail: "wrong key") }
            return request.headers["X-Stream"] == "yes" ? Collector() : nil
        }
        router.group("").on(.put, "/upload/{name}", maxBodyBytes: 1 << 20, headGate: gate) { request in
            let streamed = (request.bodySink as? Collector)?.bytes.withLock { $0 }
            return .text("\(request.parameters["name"] ?? "") kept=\(request.body.count) streamed=\(streamed.map { "\($0.count)" } ?? "-") "
                         + "sum=\((streamed ?? request.body).reduce(0) { $0 &+ Int($1) })")
        }
        return router
    }

    /// A gate that fails on its own (not a refusal) is the server's fault: a 500 whose text does
    /// not carry the error's (it may name server paths).
    @Test func aGateFailingOnItsOwnIsA500ThatNamesNothingOfTheServer() async throws {
        try await withTestServer(router: Self.router()) { server in
            let client = try RawHTTPClient(port: server.port, receiveTimeout: 5)
            try await client.send("PUT /upload/a HTTP/1.1\r\nHost: t\r\nX-Key: break\r\nContent-Length: 10\r\n\r\n0123456789")
            let response = try await client.readResponse()
            #expect(response.status == 500)
            #expect(!response.bodyText.contains("secret-path"))
        }
    }

    @Test func aRefusedHeadIsAnsweredWithoutWaitingForItsBody() async throws {
        try await withTestServer(router: Self.router()) { server in
            let client = try RawHTTPClient(port: server.port, receiveTimeout: 5)
            try await client.send("PUT /upload/a HTTP/1.1\r\nHost: t\r\nContent-Length: 900000\r\n\r\npartial")
            let response = try await client.readResponse()
            #expect(response.status == 403)
            #expect(await client.isClosedByServer())
        }
    }

    @Test func anAcceptedBodyIsStreamedToTheSinkWhateverItsFraming() async throws {
        try await withTestServer(router: Self.router()) { server in
            let body = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
            let sum = body.reduce(0) { $0 &+ Int($1) }
            let client = try RawHTTPClient(port: server.port)
            try await client.send(Array("PUT /upload/fixed HTTP/1.1\r\nHost: t\r\nX-Key: open sesame\r\nX-Stream: yes\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body)
            #expect(try await client.readResponse().bodyText == "fixed kept=0 streamed=200000 sum=\(sum)")
            var chunked = Array("PUT /upload/chunked HTTP/1.1\r\nHost: t\r\nX-Key: open sesame\r\nX-Stream: yes\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
            for start in stride(from: 0, to: body.count, by: 70_000) {
                let piece = body[start..<min(start + 70_000, body.count)]
                chunked += Array(String(piece.count, radix: 16).utf8) + [13, 10] + piece + [13, 10]
            }
            try await client.send(chunked + Array("0\r\n\r\n".utf8))
            #expect(try await client.readResponse().bodyText == "chunked kept=0 streamed=200000 sum=\(sum)")
            // A gate that returns no sink leaves the body to the handler, as usual.
            try await client.send("PUT /upload/kept HTTP/1.1\r\nHost: t\r\nX-Key: open sesame\r\nContent-Length: 3\r\n\r\nabc")
            #expect(try await client.readResponse().bodyText == "kept kept=3 streamed=- sum=294")
        }
    }

    @Test func aStreamedBodyStillHasTheRoutesLimit() async throws {
        try await withTestServer(router: Self.router()) { server in
            let client = try RawHTTPClient(port: server.port, receiveTimeout: 5)
            try await client.send("PUT /upload/big HTTP/1.1\r\nHost: t\r\nX-Key: open sesame\r\nX-Stream: yes\r\nContent-Length: \((1 << 20) + 1)\r\n\r\n")
            #expect(try await client.readResponse().status == 413)
        }
    }
}
