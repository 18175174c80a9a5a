import Testing
@testable import MediaAgent

/// Which resolved addresses the egress proxy lets a call reach, and how the operator's
/// allow-list reads.
@Suite struct EgressPolicyTests {
    static func address(_ text: String) -> EgressAddress {
        guard let a = EgressAddress(literal: text) else { preconditionFailure("not an address: \(text)") }
        return a
    }

    @Test(arguments: ["127.0.0.1", "127.9.9.9", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "100.64.0.1", "100.127.255.254",
                      "169.254.169.254", "0.0.0.0", "0.1.2.3", "224.0.0.1", "239.255.255.250", "255.255.255.255", "192.0.2.1", "198.18.0.1",
                      "::", "::1", "fc00::1", "fd12:3456::1", "fe80::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",
                      "::127.0.0.1", "64:ff9b::7f00:1", "64:ff9b::a00:1", "2002:7f00:1::1", "2002:a00:1::", "2001:db8::1", "2001::1"])
    func privateAndSpecialAddressesAreNotPublic(_ text: String) {
        #expect(!Self.address(text).isPublic, "\(text)")
    }

    @Test(arguments: ["8.8.8.8", "1.1.1.1", "93.184.216.34", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "2a00:1450::1",
                      "::ffff:8.8.8.8", "64:ff9b::808:808"])
    func publicAddressesArePublic(_ text: String) {
        #expect(Self.address(text).isPublic, "\(text)")
    }

    @Test func onlyWebPortsOnPublicAddressesWithoutAnAllowance() {
        let policy = EgressPolicy(allow: [])
        #expect(policy.refusal(host: "crm.example.com", port: 443, addresses: [Self.address("93.184.216.34")]) == nil)
        #expect(policy.refusal(host: "crm.example.com", port: 80, addresses: [Self.address("2606:4700:4700::1111")]) == nil)
        #expect(policy.refusal(host: "crm.example.com", port: 8080, addresses: [Self.address("93.184.216.34")]) != nil)
        // One private address among public ones is enough to refuse (the client could get either).
        #expect(policy.refusal(host: "crm.example.com", port: 443, addresses: [Self.address("93.184.216.34"), Self.address("10.0.0.5")]) != nil)
        #expect(policy.refusal(host: "crm.example.com", port: 443, addresses: []) != nil)
        // Other ports are refused before any name is looked up, unless an allowance names them.
        #expect(policy.mayUse(port: 443) && !policy.mayUse(port: 8080))
        #expect(EgressPolicy(allow: [EgressAllowance("10.0.0.0/8:8080")].compactMap { $0 }).mayUse(port: 8080))
    }

    @Test func allowancesNameAHostOrABlockAndPerhapsAPort() throws {
        let entries = try ["crm.office.lan", "10.20.0.0/16:8080", "192.168.1.20", "[fd00::5]:8443", "fd00::/8"].map { text in
            try #require(EgressAllowance(text), "\(text)")
        }
        let policy = EgressPolicy(allow: entries)
        #expect(policy.refusal(host: "crm.office.lan", port: 443, addresses: [Self.address("10.9.9.9")]) == nil)
        #expect(policy.refusal(host: "crm.office.lan", port: 8080, addresses: [Self.address("10.9.9.9")]) != nil)
        #expect(policy.refusal(host: "other.office.lan", port: 443, addresses: [Self.address("10.9.9.9")]) != nil)
        #expect(policy.refusal(host: "x", port: 8080, addresses: [Self.address("10.20.3.4")]) == nil)
        #expect(policy.refusal(host: "x", port: 80, addresses: [Self.address("10.20.3.4")]) != nil)
        #expect(policy.refusal(host: "x", port: 8080, addresses: [Self.address("10.21.3.4")]) != nil)
        #expect(policy.refusal(host: "x", port: 443, addresses: [Self.address("192.168.1.20")]) == nil)
        #expect(policy.refusal(host: "x", port: 443, addresses: [Self.address("192.168.1.21")]) != nil)
        #expect(policy.refusal(host: "x", port: 8443, addresses: [Self.address("fd00::5")]) == nil)
        #expect(policy.refusal(host: "x", port: 443, addresses: [Self.address("fd42::1")]) == nil)
        // An IPv4 block also covers that address written as IPv6.
        #expect(policy.refusal(host: "x", port: 443, addresses: [Self.address("::ffff:192.168.1.20")]) == nil)
    }

    @Test(arguments: ["", "10.0.0.0/33", "10.0.0.1:0", "10.0.0.1:70000", "[fd00::5", "host name", "crm.lan:http", "a:b:c", "ex%61mple.com", "-lead.com"])
    func malformedAllowancesAreRefused(_ text: String) {
        #expect(EgressAllowance(text) == nil, "\(text)")
    }

    @Test func requestsAreReadStrictly() throws {
        let get = try EgressRequest(head: Array("GET http://Crm.Example.com:8080/a?b=1 HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n".utf8)[...])
        #expect(get.host == "crm.example.com" && get.port == 8080 && get.path == "/a?b=1")
        #expect(String(decoding: get.upstreamHead(), as: UTF8.self) == "GET /a?b=1 HTTP/1.1\r\nHost: crm.example.com:8080\r\nAccept: */*\r\nVia: 1.1 centralita-egress\r\nConnection: close\r\n\r\n")
        let connect = try EgressRequest(head: Array("CONNECT [2606:4700::1]:443 HTTP/1.1\r\n\r\n".utf8)[...])
        #expect(connect.isConnect && connect.host == "2606:4700::1" && connect.port == 443)
        #expect(throws: EgressRequest.Invalid.self) { try EgressRequest(head: Array("CONNECT example.com HTTP/1.1\r\n\r\n".utf8)[...]) }
        #expect(throws: EgressRequest.Invalid.self) { try EgressRequest(head: Array("GET http://a.com/ HTTP/1.1\r\nBad Header: x\r\n\r\n".utf8)[...]) }
        #expect(throws: EgressRequest.Invalid.self) { try EgressRequest(head: Array("GET http://a.com/\u{1} HTTP/1.1\r\n\r\n".utf8)[...]) }
    }

    /// Nothing a client sends becomes another line upstream, and the body's length is the
    /// proxy's to state: a bare LF, CR or TAB in the request line, or two Content-Lengths, is a
    /// 400; Content-Length and Expect are not passed on.
    @Test(arguments: ["GET http://a.com/a\nX-Injected: 1 HTTP/1.1", "GET http://a.com/a\rX: 1 HTTP/1.1", "GET http://a.com/a\tb HTTP/1.1",
                      "GET http://a.com/ HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2"])
    func nothingTheClientSendsBecomesAnotherLineUpstream(_ head: String) {
        #expect(throws: EgressRequest.Invalid.self) { try EgressRequest(head: Array((head + "\r\n\r\n").utf8)[...]) }
    }

    @Test func theProxyStatesTheBodyLengthItselfAndDropsExpect() throws {
        let post = try EgressRequest(head: Array("POST http://a.com/hook HTTP/1.1\r\nContent-Length: 999\r\nExpect: 100-continue\r\nX-A: 1\r\n\r\n".utf8)[...])
        #expect(String(decoding: post.upstreamHead(bodyLength: 3), as: UTF8.self)
                == "POST /hook HTTP/1.1\r\nHost: a.com\r\nX-A: 1\r\nContent-Length: 3\r\nVia: 1.1 centralita-egress\r\nConnection: close\r\n\r\n")
        // A response head is found however the bytes arrive, scanning each about once.
        let response = Array("HTTP/1.1 200 OK\r\nA: b\r\n\r\nbody".utf8)
        for split in 0...response.count {
            var seen: [UInt8] = []
            var found: Int?
            for piece in [Array(response[..<split]), Array(response[split...])] {
                let scanned = seen.count
                seen += piece
                if found == nil { found = EgressRequest.headEnd(seen, from: scanned) }
            }
            #expect(found == response.count - 4, "split at \(split)")
        }
    }
}
