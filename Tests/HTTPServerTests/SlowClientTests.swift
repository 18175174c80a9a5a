import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing
@testable import HTTPServer
import TestSupport

/// Clients that try to hold the server with slow bodies, many connections or endless
/// keep-alive garbage. The deadlines are walked with a fake clock, then checked over sockets.
@Suite struct SlowClientTests {
    let start = ContinuousClock.now

    var timeouts: HTTPTimeouts {
        var t = HTTPTimeouts()
        t.idleBody = .seconds(30)
        t.minBodyBytesPerSecond = 500
        t.bodyRateGrace = .seconds(10)
        t.requestDeadline = .seconds(300)
        return t
    }

    @Test func aBodyTrickledAtOneBytePerFiveSecondsIsTimedOut() {
        var life = ConnectionLifecycle(timeouts: timeouts, now: start)
        life.received(now: start, bytes: 60, readingHead: true, readingBody: false)
        life.headComplete(now: start)
        var now = start
        var expired: ConnectionLifecycle.Timeout?
        for _ in 0..<100 where expired == nil {
            now += .seconds(5)
            life.received(now: now, bytes: 1, readingHead: false, readingBody: true)
            expired = life.expired(now: now)
        }
        #expect(expired == .slowBody)
        #expect(now - start <= .seconds(15), "ended soon after the grace period, not left to idleBody")
        #expect(ConnectionLifecycle.Timeout.slowBody.answersRequestTimeout)
    }

    @Test func aBodyThatHasNotStartedIsSilentNotSlow() {
        var life = ConnectionLifecycle(timeouts: timeouts, now: start)
        life.received(now: start, bytes: 60, readingHead: true, readingBody: false)
        life.headComplete(now: start)
        #expect(life.expired(now: start + .seconds(29)) == nil, "a client waiting for 100 Continue, or held up, has idleBody")
        #expect(life.expired(now: start + .seconds(30)) == .idleBody)
    }

    @Test func aSteadyBodyAboveTheMinimumRateIsKeptUntilTheWholeRequestDeadline() {
        var life = ConnectionLifecycle(timeouts: timeouts, now: start)
        life.received(now: start, bytes: 60, readingHead: true, readingBody: false)
        life.headComplete(now: start)
        var now = start
        var expired: ConnectionLifecycle.Timeout?
        while expired == nil {
            now += .seconds(1)
            life.received(now: now, bytes: 1000, readingHead: false, readingBody: true)
            expired = life.expired(now: now)
        }
        #expect(expired == .requestDeadline)
        #expect(now - start == .seconds(300))
    }

    @Test func keepAliveGarbageDoesNotGrowTheBuffer() throws {
        var parser = HTTPRequestParser()
        let crlf = Array(String(repeating: "\r\n", count: 512).utf8)
        for _ in 0..<1_000 {
            parser.feed(crlf)
            #expect(try parser.next() == nil)
        }
        #expect(parser.storedByteCount <= 8 * 1024, "a megabyte of empty lines is not kept")
        parser.feed(Array("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n".utf8))
        guard case .head(let head) = try parser.next() else { Issue.record("no head"); return }
        #expect(head.target == "/hello")
    }

    @Test func aTrickledBodyGets408OverASocket() async throws {
        try await withTestServer(router: makeLiveRouter(), configure: { c in
            c.timeouts.idleBody = .seconds(5)
            c.timeouts.bodyRateGrace = .milliseconds(600)
            c.timeouts.minBodyBytesPerSecond = 100
        }) { server in
            let client = try RawHTTPClient(port: server.port)
            try await client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 200\r\n\r\n")
            let sent = Mutex(0)
            let trickle = Task {
                for _ in 0..<200 {
                    guard (try? await client.send([UInt8(ascii: "a")])) != nil else { return }
                    sent.withLock { $0 += 1 }
                    try await Task.sleep(for: .milliseconds(200))
                }
            }
            let response = try await client.readResponse()
            #expect(response.status == 408)
            #expect(response.headers["Connection"] == "close")
            #expect(sent.withLock { $0 } < 50, "cut off long before the body was complete")
            trickle.cancel()
        }
    }

    @Test func oneClientCannotHoldMoreThanItsShareOfConnections() async throws {
        try await withTestServer(router: makeLiveRouter(), configure: { $0.maxConnectionsPerClient = 2 }) { server in
            var first: RawHTTPClient? = try RawHTTPClient(port: server.port)
            let second = try RawHTTPClient(port: server.port)
            try await first?.send(get("/hello"))
            #expect(try await first?.readResponse().status == 200)
            try await second.send(get("/hello"))
            #expect(try await second.readResponse().status == 200)
            let third = try RawHTTPClient(port: server.port)
            let refused = try await third.readResponse()
            #expect(refused.status == 429)
            #expect(refused.headers["Retry-After"] == "1")
            // The client goes away: FIN now (dropping the last reference closes it too, but the
            // moment of a release is the compiler's choice).
            if let fd = first?.fd { shutdown(fd, Int32(SHUT_RDWR)) }
            first = nil
            // The server notices the close on its next turn; on a loaded machine that can take a while.
            for _ in 0..<3000 where server.openConnections > 1 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(server.openConnections == 1)
            let fourth = try RawHTTPClient(port: server.port)
            try await fourth.send(get("/hello"))
            #expect(try await fourth.readResponse().status == 200, "a closed connection frees its place")
        }
    }
}
