import HTTPServer
import Foundation
import Testing
@testable import HTTPServer
import TestSupport

/// The server over real loopback sockets.
@Suite struct LiveServerTests {
    @Test func keepAliveServesManyRequestsOnOneConnection() async throws {
        try await withTestServer(router: makeLiveRouter()) { server in
            let client = try RawHTTPClient(port: server.port)
            for _ in 0..<3 {
                try await client.send(get("/hello"))
                let response = try await client.readResponse()
                #expect(response.status == 200)
                #expect(response.bodyText == "hello")
                #expect(response.headers["Connection"] == nil)
                #expect(response.headers["Date"] != nil)
                #expect(response.headers["Server"] == "centralita")
            }
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        try await withTestServer(router: makeLiveRouter()) { server in
            let client = try RawHTTPClient(port: server.port)
            try await client.send(get("/slow/80") + get("/hello") + get("/slow/10") + get("/json"))
            #expect(try await client.readResponse().bodyText == "slept 80")
            #expect(try await client.readResponse().bodyText == "hello")
            #expect(try await client.readResponse().bodyText == "slept 10")
            #expect(try await client.readResponse().bodyText == #"{"message":"hi"}"#)
        }
    }

    @Test func expectContinueGetsAnInterimResponseBeforeTheBody() async throws {
        try await withTestServer(router: makeLiveRouter()) { server in
            let client = try RawHTTPClient(port: server.port)
            try await client.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
            let interim = try await client.readResponse()
            #expect(interim.status == 100)
            try await client.send("hello")
            let final = try await client.readResponse()
            #expect(final.status == 200)
            #expect(final.bodyText == "hello")
        }
    }

    @Test func expectContinueWithABodyTooLargeIsRefusedWithoutReadingIt() async throws {
        try await withTestServer(router: makeLiveRouter()) { server in
            let client = try RawHTTPClient(port: server.port)
            try await client.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 413)
            #expect(response.headers["Connection"] == "close")
            #expect(response.headers["Content-Type"] == "application/problem+json")
        }
    }

    @Test func chunkedUploadIsReassembled() async throws {
        try await withTestServer(router: makeLiveRouter()) { server in
            let client = try RawHTTPClient(port: server.port)
            try await client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n")
            try await Task.sleep(for: .milliseconds(20))
            try await client.send("5\r\npedia\r\n0\r\n\r\n")
            #expect(try await client.readResponse().bodyText == "Wikipedia")
        }
    }

    @Test func bodyOverTheRouteLimitIs413AndCloses() async throws {
        try await withTestServer(router: makeLiveRouter()) { server in
            let client = try RawHTTPClient(port: server.port)
            try await client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2000\r\n\r\n" + String(repeating: "x", count: 2000))
            let response = try await client.readResponse()
            #expect(response.status == 413)
            #expect(response.headers["Connection"] == "close")
            #expect(await client.isClosedByServer())
        }
    }

    @Test func malformedRequestGets400AndTheConnectionCloses() async throws {
        try await withTestServer(router: makeLiveRouter()) { server in
            let client = try RawHTTPClient(port: server.port)
            try await client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 400)
            #expect(response.headers["Connection"] == "close")
            let problem = try response.json(ProblemDetails.self)
            #expect(problem.detail.contains("Content-Length and Transfer-Encoding"))
            #expect(await client.isClosedByServer())
        }
    }

    @Test func notFoundAndMethodNotAllowedAreProblems() async throws {
        try await withTestServer(router: makeLiveRouter()) { server in
            let client = try RawHTTPClient(port: server.port)
            try await client.send(get("/missing"))
            let missing = try await client.readResponse()
            #expect(missing.status == 404)
            #expect(missing.headers["Content-Type"] == "application/problem+json")
            try await client.send("DELETE /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            let notAllowed = try await client.readResponse()
            #expect(notAllowed.status == 405)
            #expect(notAllowed.headers["Allow"] == "GET, HEAD")
        }
    }

    @Test func headAnswersLikeGetWithoutTheBody() async throws {
        try await withTestServer(router: makeLiveRouter()) { server in
            let client = try RawHTTPClient(port: server.port)
            try await client.send("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try await client.readResponse(bodyless: true)
            #expect(response.status == 200)
            #expect(response.headers["Content-Length"] == "5")
            try await client.send(get("/hello"))
            #expect(try await client.readResponse().bodyText == "hello")
        }
    }

    @Test func largeTextIsGzippedOnlyWhenAccepted() async throws {
        try await withTestServer(router: makeLiveRouter()) { server in
            let client = try RawHTTPClient(port: server.port)
            try await client.send(get("/big", headers: "Accept-Encoding: gzip, br\r\n"))
            let zipped = try await client.readResponse()
            #expect(zipped.headers["Content-Encoding"] == "gzip")
            #expect(zipped.headers["Vary"] == "Accept-Encoding")
            #expect(try Gzip.decompress(zipped.body) == Array(String(repeating: "compressible text ", count: 200).utf8))
            try await client.send(get("/big"))
            let plain = try await client.readResponse()
            #expect(plain.headers["Content-Encoding"] == nil)
            #expect(plain.body.count == 3600)
            try await client.send(get("/hello", headers: "Accept-Encoding: gzip\r\n"))
            #expect(try await client.readResponse().headers["Content-Encoding"] == nil)
        }
    }

    @Test func streamedResponsesAreChunked() async throws {
        try await withTestServer(router: makeLiveRouter()) { server in
            let client = try RawHTTPClient(port: server.port)
            try await client.send(get("/stream"))
            let response = try await client.readResponse()
            #expect(response.headers["Transfer-Encoding"] == "chunked")
            #expect(response.bodyText == (0..<5).map { "part \($0)\n" }.joined())
            try await client.send(get("/hello"))
            #expect(try await client.readResponse().bodyText == "hello")
        }
    }

    @Test func streamedResponseToHTTP10EndsWithTheConnection() async throws {
        try await withTestServer(router: makeLiveRouter()) { server in
            let client = try RawHTTPClient(port: server.port)
            try await client.send("GET /stream HTTP/1.0\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.headers["Transfer-Encoding"] == nil)
            #expect(response.headers["Connection"] == "close")
            #expect(response.bodyText.hasPrefix("part 0\n"))
        }
    }

    @Test func http10ConnectionClosesAfterTheResponse() async throws {
        try await withTestServer(router: makeLiveRouter()) { server in
            let client = try RawHTTPClient(port: server.port)
            try await client.send("GET /hello HTTP/1.0\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.headers["Connection"] == "close")
            #expect(await client.isClosedByServer())
        }
    }

    @Test func aThrownErrorBecomesA500WithTheRequestIDAndTheServerCarriesOn() async throws {
        try await withTestServer(router: makeLiveRouter()) { server in
            let client = try RawHTTPClient(port: server.port)
            try await client.send(get("/boom", headers: "X-Request-Id: trace-42\r\n"))
            let response = try await client.readResponse()
            #expect(response.status == 500)
            #expect(response.headers["X-Request-Id"] == "trace-42")
            let problem = try response.json(ProblemDetails.self)
            #expect(problem.requestId == "trace-42")
            #expect(!problem.detail.contains("Secret"))
            try await client.send(get("/hello"))
            #expect(try await client.readResponse().status == 200)
        }
    }

    @Test func requestIDsAreKeptWhenSaneAndMadeOtherwise() async throws {
        try await withTestServer(router: makeLiveRouter()) { server in
            let client = try RawHTTPClient(port: server.port)
            try await client.send(get("/request-id", headers: "X-Request-Id: abc-123\r\n"))
            #expect(try await client.readResponse().bodyText == "abc-123")
            try await client.send(get("/request-id", headers: "X-Request-Id: <script>\r\n"))
            let made = try await client.readResponse()
            #expect(made.bodyText != "<script>")
            #expect(made.headers["X-Request-Id"] == made.bodyText)
        }
    }

    @Test func filesAnswerRangesAndConditionalRequests() async throws {
        let name = "centralita-range-\(UUID().uuidString).txt"
        let path = NSTemporaryDirectory() + "/" + name
        let content = (0..<100).map { String($0 % 10) }.joined()
        try content.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await withTestServer(router: makeLiveRouter()) { server in
            let client = try RawHTTPClient(port: server.port)
            try await client.send(get("/files/\(name)"))
            let full = try await client.readResponse()
            #expect(full.status == 200)
            #expect(full.headers["Accept-Ranges"] == "bytes")
            let etag = try #require(full.headers["ETag"])

            try await client.send(get("/files/\(name)", headers: "Range: bytes=10-19\r\n"))
            let partial = try await client.readResponse()
            #expect(partial.status == 206)
            #expect(partial.headers["Content-Range"] == "bytes 10-19/100")
            #expect(partial.bodyText == "0123456789")

            try await client.send(get("/files/\(name)", headers: "Range: bytes=-5\r\n"))
            #expect(try await client.readResponse().bodyText == "56789")

            try await client.send(get("/files/\(name)", headers: "Range: bytes=500-\r\n"))
            let unsatisfiable = try await client.readResponse()
            #expect(unsatisfiable.status == 416)
            #expect(unsatisfiable.headers["Content-Range"] == "bytes */100")

            try await client.send(get("/files/\(name)", headers: "If-None-Match: \(etag)\r\n"))
            let notModified = try await client.readResponse()
            #expect(notModified.status == 304)
            #expect(notModified.body.isEmpty)

            try await client.send(get("/files/missing-\(name)"))
            #expect(try await client.readResponse().status == 404)
        }
    }

    @Test func largeFilesAreStreamedWhole() async throws {
        let name = "centralita-large-\(UUID().uuidString).bin"
        let path = NSTemporaryDirectory() + "/" + name
        let bytes = (0..<(3 * 1024 * 1024 + 17)).map { UInt8(truncatingIfNeeded: $0 * 31) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await withTestServer(router: makeLiveRouter()) { server in
            let client = try RawHTTPClient(port: server.port)
            try await client.send(get("/files/\(name)"))
            let response = try await client.readResponse()
            #expect(response.headers["Content-Length"] == String(bytes.count))
            #expect(response.body == bytes)
        }
    }

    @Test func ipv6LoopbackIsServed() async throws {
        try await withTestServer(router: makeLiveRouter(), configure: { $0.host = "::1" }) { server in
            let client = try RawHTTPClient(port: server.port, host: "::1")
            try await client.send(get("/hello"))
            #expect(try await client.readResponse().bodyText == "hello")
        }
    }

    @Test func connectionsBeyondTheLimitGet503() async throws {
        try await withTestServer(router: makeLiveRouter(), configure: { $0.maxConnections = 2 }) { server in
            let first = try RawHTTPClient(port: server.port)
            let second = try RawHTTPClient(port: server.port)
            try await first.send(get("/hello"))
            _ = try await first.readResponse()
            try await second.send(get("/hello"))
            _ = try await second.readResponse()
            let third = try RawHTTPClient(port: server.port)
            let refused = try await third.readResponse()
            #expect(refused.status == 503)
            #expect(refused.headers["Connection"] == "close")
        }
    }
}
