import HTTPServer
import Foundation
import Synchronization
import Testing
@testable import HTTPServer
import TestSupport

/// Timeouts (with short test values) and graceful shutdown, over real sockets.
@Suite struct TimeoutAndShutdownTests {
    /// Short header and body timeouts. The keep-alive timeout stays long so that a test task
    /// scheduled late on a loaded machine is not mistaken for an idle client.
    func shortTimeouts(_ configuration: inout HTTPServerConfiguration) {
        configuration.timeouts.slowHeader = .milliseconds(400)
        configuration.timeouts.idleBody = .milliseconds(400)
        configuration.timeouts.keepAliveIdle = .seconds(5)
        configuration.timeouts.idleWrite = .milliseconds(400)
    }

    func shortKeepAlive(_ configuration: inout HTTPServerConfiguration) {
        configuration.timeouts.keepAliveIdle = .milliseconds(400)
    }

    @Test func slowHeaderGets408AndIsClosed() async throws {
        try await withTestServer(router: makeLiveRouter(), configure: shortTimeouts) { server in
            let client = try RawHTTPClient(port: server.port)
            try await client.send("GET /hello HTTP/1.1\r\nHost: t\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 408)
            #expect(response.headers["Connection"] == "close")
            #expect(await client.isClosedByServer())
        }
    }

    /// If each byte extended the header deadline, a client sending one every 30 ms would
    /// never be cut off; the 408 must come while the trickle is still going.
    @Test func tricklingTheHeadDoesNotKeepTheConnection() async throws {
        try await withTestServer(router: makeLiveRouter(), configure: shortTimeouts) { server in
            let client = try RawHTTPClient(port: server.port)
            let finished = Mutex(false)
            let trickle = Task {
                for byte in ("GET /hello HTTP/1.1\r\nX-Slow: " + String(repeating: "a", count: 1000)).utf8 {
                    guard (try? await client.send([byte])) != nil else { return }
                    try await Task.sleep(for: .milliseconds(30))
                }
                finished.withLock { $0 = true }
            }
            let response = try await client.readResponse()
            #expect(response.status == 408)
            #expect(!finished.withLock { $0 }, "the server waited for the whole trickle")
            trickle.cancel()
        }
    }

    @Test func stalledBodyGets408() async throws {
        try await withTestServer(router: makeLiveRouter(), configure: shortTimeouts) { server in
            let client = try RawHTTPClient(port: server.port)
            try await client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
            let response = try await client.readResponse()
            #expect(response.status == 408)
        }
    }

    @Test func idleKeepAliveConnectionIsClosedQuietly() async throws {
        try await withTestServer(router: makeLiveRouter(), configure: shortKeepAlive) { server in
            let client = try RawHTTPClient(port: server.port)
            try await client.send(get("/hello"))
            _ = try await client.readResponse()
            let rest = try await client.readToEnd()
            #expect(rest.isEmpty)
        }
    }

    @Test func slowHandlersAreNotTimedOut() async throws {
        try await withTestServer(router: makeLiveRouter(), configure: shortTimeouts) { server in
            let client = try RawHTTPClient(port: server.port)
            try await client.send(get("/slow/700"))
            #expect(try await client.readResponse().bodyText == "slept 700")
        }
    }

    @Test func shutdownFinishesInFlightRequestsAndClosesIdleOnes() async throws {
        let gate = Gate()
        var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: 0)
        configuration.timeouts.shutdownGrace = .seconds(5)
        let server = HTTPServer(configuration: configuration, router: makeLiveRouter(gate: gate), logger: testLogger())
        try server.start()
        let port = server.port
        let idle = try RawHTTPClient(port: port)
        try await idle.send(get("/hello"))
        _ = try await idle.readResponse()
        let busy = try RawHTTPClient(port: port)
        try await busy.send(get("/gated"))
        try await gate.waitForArrivals(1)

        let shutdown = Task { await server.shutdown() }
        #expect(await idle.isClosedByServer())
        try await Task.sleep(for: .milliseconds(100))
        #expect((try? RawHTTPClient(port: port)) == nil, "no new connections after shutdown began")
        gate.open()
        let response = try await busy.readResponse()
        #expect(response.bodyText == "released")
        #expect(response.headers["Connection"] == "close")
        await shutdown.value
        #expect(server.openConnections == 0)
    }

    @Test func shutdownGivesUpOnStuckRequestsAfterTheGracePeriod() async throws {
        let gate = Gate()
        var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: 0)
        configuration.timeouts.shutdownGrace = .milliseconds(300)
        let server = HTTPServer(configuration: configuration, router: makeLiveRouter(gate: gate), logger: testLogger())
        try server.start()
        let busy = try RawHTTPClient(port: server.port)
        try await busy.send(get("/gated"))
        try await gate.waitForArrivals(1)
        // The handler stays stuck until the gate opens below, so returning at all means the
        // server gave up on it after the grace period.
        await server.shutdown()
        #expect(gate.arrived == 1)
        #expect(server.openConnections == 0)
        #expect(await busy.isClosedByServer())
        gate.open()
    }
}
