import Testing
@testable import HTTPServer

/// Well-formed requests parse the same however the bytes arrive.
@Suite struct RequestParserAcceptanceTests {
    let verifier = ParserVerifier()

    func parsed(_ text: String) throws -> [HTTPParserEvent] {
        let outcome = try verifier.verify(text).get()
        #expect(outcome.error == nil)
        return outcome.events
    }

    func firstHead(_ events: [HTTPParserEvent]) -> HTTPRequestHead? {
        if case .head(let head) = events.first { return head }
        return nil
    }

    @Test func simpleGetParsesWithHeadersInOrder() throws {
        let events = try parsed("GET /a/b?x=1 HTTP/1.1\r\nHost: example\r\nAccept: */*\r\nX-Dup: 1\r\nX-Dup: 2\r\n\r\n")
        #expect(events.count == 2)
        let head = try #require(firstHead(events))
        #expect(head.method == .get)
        #expect(head.target == "/a/b?x=1")
        #expect(head.version == .http1_1)
        #expect(head.headers.map(\.name) == ["Host", "Accept", "X-Dup", "X-Dup"])
        #expect(head.keepAlive)
        #expect(events.last == .end(body: []))
    }

    @Test func contentLengthBodyIsCollected() throws {
        let events = try parsed("POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world")
        #expect(events.last == .end(body: Array("hello world".utf8)))
    }

    @Test func chunkedBodyWithExtensionsAndTrailersIsCollected() throws {
        let events = try parsed("POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n")
        #expect(firstHead(events)?.framing == .chunked)
        #expect(events.last == .end(body: Array("hello world".utf8)))
    }

    @Test func identicalDuplicateContentLengthsAreOneLength() throws {
        let events = try parsed("POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3, 3\r\n\r\nabc")
        #expect(events.last == .end(body: Array("abc".utf8)))
    }

    @Test func http10ClosesUnlessKeepAliveAsked() throws {
        #expect(firstHead(try parsed("GET / HTTP/1.0\r\n\r\n"))?.keepAlive == false)
        #expect(firstHead(try parsed("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"))?.keepAlive == true)
        #expect(firstHead(try parsed("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"))?.keepAlive == false)
    }

    @Test func absoluteFormTargetIsReducedToOriginForm() throws {
        #expect(firstHead(try parsed("GET http://example.com/x?y HTTP/1.1\r\nHost: example.com\r\n\r\n"))?.target == "/x?y")
    }

    @Test func emptyLinesBeforeARequestAreIgnored() throws {
        #expect(firstHead(try parsed("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"))?.method == .get)
    }

    @Test func obsTextInHeaderValuesIsAccepted() throws {
        let events = try parsed("GET / HTTP/1.1\r\nHost: h\r\nX-Name: caf\u{E9}\r\n\r\n")
        #expect(firstHead(events)?.headers.last?.value == "caf\u{E9}")
    }

    @Test func expectContinueIsFlaggedOnlyWithABody() throws {
        #expect(firstHead(try parsed("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok"))?.expectsContinue == true)
        #expect(firstHead(try parsed("GET / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\n\r\n"))?.expectsContinue == false)
    }

    @Test func requestsAtEveryLimitAreAccepted() throws {
        var limits = HTTPParserLimits()
        limits.maxRequestLineBytes = 64
        limits.maxHeaderBytes = 256
        limits.maxHeaderCount = 5
        let verifier = ParserVerifier(limits: limits)
        let target = "/" + String(repeating: "a", count: 64 - "GET  HTTP/1.1".count - 1)
        let line = "GET \(target) HTTP/1.1"
        #expect(line.utf8.count == 64)
        let fields = (1...4).map { "X-\($0): v" } + ["Host: h"]
        let outcome = try verifier.verify(line + "\r\n" + fields.joined(separator: "\r\n") + "\r\n\r\n").get()
        #expect(outcome.error == nil)
    }
}
