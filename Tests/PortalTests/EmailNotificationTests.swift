import Foundation
import HTTPServer
import MediaProtocol
@testable import Portal
import Telephony
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// CALL-2: a node reports that an email action ran; the portal renders the configured text and
/// delivers it through a real SMTP server (aiosmtpd), once, retrying when the relay is down.
@Suite(.serialized) struct EmailNotificationTests {
    struct Created: Decodable { var id: String }
    struct Compiled: Decodable { var tenant: String }

    /// aiosmtpd on `port`, once it accepts connections; `handler` is its `-c` class and arguments
    /// (the default prints each message).
    static func smtpServer(port: Int, handler: [String] = ["aiosmtpd.handlers.Debugging"]) async throws -> Shell.Running {
        let server = try Shell.start("/usr/bin/env", ["python3", "-u", "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:\(port)", "-c"] + handler)
        // Ready once it accepts a connection.
        for _ in 0..<100 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } } == 0
            close(fd)
            if ok { return server }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("aiosmtpd did not start: \(server.output)")
        throw CancellationError()
    }

    @Test func anEmailActionIsRenderedAndDeliveredOnceAndRetriedWhenTheRelayIsDown() async throws {
        let port = try MediaNodeHarness.freePort()
        var smtp = try await Self.smtpServer(port: port)
        // aiosmtpd ignores SIGTERM.
        defer { smtp.signal(SIGKILL) }
        try await withLivePortal(label: "email", configure: { c in
            c.mail.smtpHost = "127.0.0.1"
            c.mail.smtpPort = port
            c.mail.from = "pbx@acme.example"
        }) { portal async throws in
            let tenant = try await portal.createTenant()
            let adminUser = try await portal.createUser(tenant: tenant, role: "admin")
            let operatorUser = try await portal.createUser(tenant: nil, role: "operator")
            let admin = try portal.client()
            try await admin.signIn(adminUser.username)
            let op = try portal.client()
            try await op.signIn(operatorUser.username)
            let t = "/api/v1/tenants/\(tenant)"
            let template = "Missed call from {number} ({name})\nReceived at {time}.\n.A line starting with a dot"
            let flow = try await admin.request("POST", "\(t)/call-flows", json: """
                {"name":"Night","actions":[{"type":"email","to":"boss@acme.example","template":\(String(decoding: try JSONEncoder().encode(template), as: UTF8.self))},{"type":"hangup"}]}
                """)
            #expect(flow.status == 201, "\(flow.bodyText)")
            let secret = "email-secret-\(UUID().uuidString)"
            let node = try await op.request("POST", "/api/v1/media-nodes", json: #"{"name":"node-m","url":"http://127.0.0.1:9","secret":"\#(secret)"}"#).json(Created.self).id
            #expect(try await op.request("PUT", "/api/v1/media-nodes/\(node)/tenants/\(tenant)").status == 204)
            let key = try await admin.request("GET", "\(t)/compiled").json(Compiled.self).tenant
            let compiled = try await admin.request("GET", "\(t)/compiled").bodyText
            let emailKey = MenuAction.emailKey(to: "boss@acme.example", template: template)
            #expect(compiled.contains("Key: \(emailKey)"), "the dial plan names the action by its key, not its text")

            func post(_ events: [NodeEvent]) async throws -> Int {
                try await MediaNodeHarness.post(events, to: portal, node: node, secret: secret)
            }
            let at = Date(timeIntervalSince1970: 1_795_600_000)
            let event = NodeEvent(type: "emailRequested", id: UUID().uuidString, tenant: key, reference: emailKey, caller: "+34600111222",
                                  callerName: "Pérez, Ana", at: at)
            let unknown = NodeEvent(type: "emailRequested", id: UUID().uuidString, tenant: key, reference: "0000000000000000", caller: "1", at: at)
            #expect(try await post([event, unknown]) == 204)
            #expect(try await post([event]) == 204, "the same report again")

            func waitFor(_ text: String) async throws -> Bool {
                for _ in 0..<100 {
                    if smtp.output.contains(text) { return true }
                    try await Task.sleep(for: .milliseconds(100))
                }
                return false
            }
            #expect(try await waitFor("Missed call from +34600111222 (Pérez, Ana)"), "\(smtp.output)")
            let output = smtp.output
            #expect(output.contains("To: <boss@acme.example>"))
            #expect(output.contains("From: Centralita <pbx@acme.example>"))
            #expect(output.contains("Received at 2026-11-25T09:46:40Z."), "{time} is the call's time")
            #expect(output.contains("\n.A line starting with a dot"), "dot-stuffing undone by the server")
            #expect(output.components(separatedBy: "Missed call from").count == 2, "one email only: \(output)")
            #expect(output.contains("Subject: =?UTF-8?B?\(Data("Missed call from +34600111222 (Pérez, Ana)".utf8).base64EncodedString())?="))
            // The row is marked sent once the relay accepted it (just after the server printed it).
            var counts = (queued: 0, sent: 0)
            for _ in 0..<100 {
                let row = try await portal.owner.query("SELECT count(*) AS n, count(sent_at) AS sent FROM email_outbox").first
                counts = (try row?.decode(Int.self, "n") ?? 0, try row?.decode(Int.self, "sent") ?? 0)
                if counts.sent == 1 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(counts.queued == 1 && counts.sent == 1, "\(counts)")

            // The relay goes away: the email waits with the reason and goes out when it is back.
            smtp.signal(SIGKILL)
            _ = try await smtp.wait()
            #expect(try await post([NodeEvent(type: "emailRequested", id: UUID().uuidString, tenant: key, reference: emailKey, caller: "+34600999888",
                                              at: at)]) == 204)
            var lastError: String?
            for _ in 0..<100 {
                lastError = try await portal.owner.query("SELECT last_error FROM email_outbox WHERE sent_at IS NULL").first?.decode(String?.self, "last_error")
                if lastError != nil { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(lastError?.contains("connect") == true, "\(String(describing: lastError))")
            smtp = try await Self.smtpServer(port: port)
            #expect(try await waitFor("Missed call from +34600999888"), "retried once the relay is back")
        }
    }

    @Test func messagesAreDotStuffedWithCRLFAndEncodedSubjects() {
        #expect(SMTPClient.dotStuffed(Array("a\n.b\r\n..c\n".utf8)) == Array("a\r\n..b\r\n...c\r\n".utf8))
        let message = String(decoding: Mailer.message(from: "pbx@x.example", to: "a@x.example", subject: "Llamada perdida ñ", body: "hola",
                                                      id: UUID()), as: UTF8.self)
        #expect(message.contains("Subject: =?UTF-8?B?\(Data("Llamada perdida ñ".utf8).base64EncodedString())?="))
        #expect(message.hasSuffix("\r\n\r\nhola"))
    }
}
