import Foundation
import HTTPServer
import Logging
import Synchronization
import Testing
import TestSupport
@testable import MediaAgent

/// The egress proxy against real web servers on loopback addresses, driven with raw proxy
/// requests and with curl (the library Asterisk's `CURL()` is built on).
@Suite struct EgressProxyTests {
    /// A real HTTP server on `address` that counts what it was asked.
    final class Web: Sendable {
        let server: HTTPServer
        let address: String
        final class Seen: Sendable { let list = Mutex<[String]>([]) }
        private let seen = Seen()
        var hits: [String] { seen.list.withLock { $0 } }
        var port: Int { server.port }
        var authority: String { "\(address):\(port)" }

        init(address: String = "127.0.0.1", redirectTo: String? = nil) throws {
            self.address = address
            let router = Router()
            let seen = self.seen
            let group = router.group("")
            group.get("/hello") { request in
                seen.list.withLock { $0.append("/hello host=\(request.headers["Host"] ?? "") via=\(request.headers["Via"] ?? "")") }
                return .text("hello from \(address)")
            }
            group.get("/big") { _ in
                seen.list.withLock { $0.append("/big") }
                return .text(String(repeating: "x", count: 5000))
            }
            group.get("/slow") { _ in
                seen.list.withLock { $0.append("/slow") }
                try await Task.sleep(for: .seconds(4))
                return .text("late")
            }
            group.get("/redirect") { _ in
                seen.list.withLock { $0.append("/redirect") }
                return HTTPResponse(status: .found, headers: ["Location": redirectTo ?? "/hello"])
            }
            server = HTTPServer(configuration: HTTPServerConfiguration(host: address, port: 0), router: router, logger: Logger(label: "egress-web"))
            try server.start()
        }
    }

    /// Runs `body`, then stops `webs`, also when it throws.
    static func serving(_ webs: Web..., body: () async throws -> Void) async throws {
        do { try await body() } catch {
            for web in webs { await web.server.shutdown() }
            throw error
        }
        for web in webs { await web.server.shutdown() }
    }

    static func withProxy(allow: [String] = [], timeout: Double = 30, maxBytes: Int = 1 << 20,
                          _ body: (EgressProxy) async throws -> Void) async throws {
        let settings = EgressSettings(host: "127.0.0.1", port: 0, allow: allow.compactMap(EgressAllowance.init), timeout: timeout, maxBytes: maxBytes)
        let proxy = EgressProxy(settings: settings, logger: Logger(label: "egress-test"))
        try proxy.start()
        defer { proxy.stop() }
        try await body(proxy)
    }

    /// One raw request to the proxy and its answer.
    static func ask(_ proxy: EgressProxy, _ head: String) async throws -> RawResponse {
        let client = try RawHTTPClient(port: proxy.port, receiveTimeout: 15)
        try await client.send(head)
        return try await client.readResponse()
    }

    /// Why the proxy refused (its answers have no body: the dial plan would read one as a reply).
    static func reason(_ response: RawResponse) -> String { response.headers["X-Centralita-Egress-Reason"] ?? "" }

    @Test func aLoopbackAddressIsRefusedAndNothingReachesIt() async throws {
        let web = try Web()
        try await Self.serving(web) {
            // The port is allowed (for another address), so what refuses is the address check.
            try await Self.withProxy(allow: ["192.0.2.10:\(web.port)"]) { proxy in
                let response = try await Self.ask(proxy, "GET http://\(web.authority)/hello HTTP/1.1\r\nHost: \(web.authority)\r\n\r\n")
                #expect(response.status == 403)
                #expect(Self.reason(response).contains("127.0.0.1"), "\(Self.reason(response))")
                #expect(response.body.isEmpty)
                #expect(response.headers["X-Centralita-Egress"] == "refused")
            }
            #expect(web.hits.isEmpty)
        }
    }

    @Test func aNameThatResolvesToLoopbackIsRefused() async throws {
        let web = try Web()
        try await Self.serving(web) {
            // The port is allowed (for another address), so what refuses is the address check.
            try await Self.withProxy(allow: ["192.0.2.10:\(web.port)"]) { proxy in
                for host in ["localhost:\(web.port)", "localhost", "2130706433:\(web.port)", "0x7f000001:\(web.port)", "127.1:\(web.port)"] {
                    let response = try await Self.ask(proxy, "GET http://\(host)/hello HTTP/1.1\r\nHost: \(host)\r\n\r\n")
                    #expect(response.status == 403, "\(host): \(response.status) \(Self.reason(response))")
                    #expect(Self.reason(response).contains("not a public address"), "\(host): \(Self.reason(response))")
                }
            }
            #expect(web.hits.isEmpty)
        }
    }

    @Test func anAllowListedHostIsReachedWithItsOwnHostHeader() async throws {
        let web = try Web()
        try await Self.serving(web) {
            try await Self.withProxy(allow: [web.authority]) { proxy in
                let response = try await Self.ask(proxy, "GET http://\(web.authority)/hello HTTP/1.1\r\nHost: evil.example\r\nProxy-Connection: keep-alive\r\n\r\n")
                #expect(response.status == 200)
                #expect(response.bodyText == "hello from 127.0.0.1")
                // The allowance is for that port only.
                let other = try await Self.ask(proxy, "GET http://127.0.0.1:\(web.port + 1)/hello HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(other.status == 403)
            }
            #expect(web.hits == ["/hello host=\(web.authority) via=1.1 centralita-egress"])
        }
    }

    @Test func aRedirectFromAnAllowListedServerToAPrivateAddressIsRefused() async throws {
        let inside = try Web(address: "127.0.0.2")
        let web = try Web(redirectTo: "http://\(inside.authority)/hello")
        try await Self.serving(web, inside) {
            try await Self.withProxy(allow: [web.authority]) { proxy in
                // curl follows the redirect, as Asterisk's CURL() does with followlocation: each
                // hop is a new request to the proxy, checked again.
                let out = try await Shell.run("/usr/bin/curl", ["-sS", "-L", "--max-redirs", "3", "-x", "http://127.0.0.1:\(proxy.port)",
                                                                "-o", "/dev/null", "-w", "%{http_code} %{num_redirects}", "http://\(web.authority)/redirect"])
                #expect(out.trimmingCharacters(in: .whitespacesAndNewlines) == "403 1")
            }
            #expect(web.hits == ["/redirect"])
            #expect(inside.hits.isEmpty)
        }
    }

    @Test func aServerThatDoesNotAnswerInTimeGets504() async throws {
        let web = try Web()
        try await Self.serving(web) {
            try await Self.withProxy(allow: [web.authority], timeout: 1) { proxy in
                let response = try await Self.ask(proxy, "GET http://\(web.authority)/slow HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(response.status == 504)
            }
            #expect(web.hits == ["/slow"])
        }
    }

    @Test func aResponseOverTheCapIsNotPassedOn() async throws {
        let web = try Web()
        try await Self.serving(web) {
            try await Self.withProxy(allow: [web.authority], maxBytes: 1000) { proxy in
                let big = try await Self.ask(proxy, "GET http://\(web.authority)/big HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(big.status == 502)
                #expect(Self.reason(big).contains("larger than 1000 bytes"))
                #expect(big.body.isEmpty)
                let small = try await Self.ask(proxy, "GET http://\(web.authority)/hello HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(small.status == 200)
            }
        }
    }

    @Test func connectToAPrivateAddressIsRefused() async throws {
        try await Self.withProxy { proxy in
            for target in ["127.0.0.1:443", "localhost:443", "10.1.2.3:443", "169.254.169.254:443", "[::1]:443", "[::ffff:127.0.0.1]:443"] {
                let response = try await Self.ask(proxy, "CONNECT \(target) HTTP/1.1\r\nHost: \(target)\r\n\r\n")
                #expect(response.status == 403, "\(target): \(response.status) \(Self.reason(response))")
            }
        }
    }

    @Test func connectToAnAllowListedHostTunnelsBytes() async throws {
        let web = try Web()
        try await Self.serving(web) {
            try await Self.withProxy(allow: [web.authority]) { proxy in
                let client = try RawHTTPClient(port: proxy.port, receiveTimeout: 15)
                try await client.send("CONNECT \(web.authority) HTTP/1.1\r\nHost: \(web.authority)\r\n\r\n")
                let established = try await client.readResponse(bodyless: true)
                #expect(established.status == 200)
                try await client.send("GET /hello HTTP/1.1\r\nHost: \(web.authority)\r\nConnection: close\r\n\r\n")
                let inner = try await client.readResponse()
                #expect(inner.bodyText == "hello from 127.0.0.1")
            }
        }
    }

    @Test func otherSchemesMethodsAndUserInformationAreBadRequests() async throws {
        try await Self.withProxy { proxy in
            for head in ["GET ftp://example.com/ HTTP/1.1\r\nHost: x\r\n\r\n", "GET https://example.com/ HTTP/1.1\r\nHost: x\r\n\r\n",
                         "DELETE http://example.com/ HTTP/1.1\r\nHost: x\r\n\r\n", "GET http://user@example.com/ HTTP/1.1\r\nHost: x\r\n\r\n",
                         "GET /relative HTTP/1.1\r\nHost: x\r\n\r\n", "GET http://exa%6dple.com/ HTTP/1.1\r\nHost: x\r\n\r\n"] {
                let response = try await Self.ask(proxy, head)
                #expect(response.status == 400, "\(head): \(response.status)")
            }
        }
    }
}
