import Foundation
import HTTPServer
import MediaProtocol
@testable import Portal
import Postgres
import Telephony
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Issue 14, third fault: the SMTP relay is down when a call asks for an email (CALL-2). The
/// email waits in the outbox, its attempts and last error recorded; a real SMTP server
/// (aiosmtpd, storing each message in a maildir) comes up on the same port and receives it
/// exactly once, for the right recipient, and the outbox marks it sent.
@Suite(.serialized) struct SMTPOutageFaultTests {
    struct Created: Decodable { var id: String }
    struct Compiled: Decodable { var tenant: String }

    struct OutboxRow: Equatable {
        var attempts: Int
        var lastError: String?
        var sent: Bool
    }

    static func outbox(_ portal: LivePortal) async throws -> [OutboxRow] {
        try await portal.owner.query("SELECT attempts, last_error, sent_at IS NOT NULL AS sent FROM email_outbox").map {
            OutboxRow(attempts: try $0.decode(Int.self, "attempts"), lastError: try $0.decode(String?.self, "last_error"),
                      sent: try $0.decode(Bool.self, "sent"))
        }
    }

    static func eventually<T>(_ what: String, timeout: Duration = .seconds(30), _ check: () async throws -> T?) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let value = try await check() { return value }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("timed out waiting for \(what)")
        throw CancellationError()
    }

    @Test func anEmailWaitsWhileTheRelayIsDownThenGoesOnce() async throws {
        let port = try MediaNodeHarness.freePort()
        let maildir = NSTemporaryDirectory() + "maildir-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: maildir) }
        try await withLivePortal(label: "smtp_outage", configure: { c in
            c.mail.smtpHost = "127.0.0.1"
            c.mail.smtpPort = port
            c.mail.from = "pbx@acme.example"
            // Seconds, not production's 30 s doubling up to an hour.
            c.mail.firstRetry = 0.5
            c.mail.maximumRetry = 1
        }) { portal async throws in
            let tenant = try await portal.createTenant()
            let adminUser = try await portal.createUser(tenant: tenant, role: "admin")
            let operatorUser = try await portal.createUser(tenant: nil, role: "operator")
            let admin = try portal.client()
            try await admin.signIn(adminUser.username)
            let op = try portal.client()
            try await op.signIn(operatorUser.username)
            let t = "/api/v1/tenants/\(tenant)"
            let template = "Missed call from {number}"
            let flow = try await admin.request("POST", "\(t)/call-flows", json: """
                {"name":"Night","actions":[{"type":"email","to":"boss@acme.example","template":"\(template)"},{"type":"hangup"}]}
                """)
            #expect(flow.status == 201, "\(flow.bodyText)")
            let secret = "outage-secret-\(UUID().uuidString)"
            let node = try await op.request("POST", "/api/v1/media-nodes", json: #"{"name":"node-s","url":"http://127.0.0.1:9","secret":"\#(secret)"}"#)
                .json(Created.self).id
            #expect(try await op.request("PUT", "/api/v1/media-nodes/\(node)/tenants/\(tenant)").status == 204)
            let key = try await admin.request("GET", "\(t)/compiled").json(Compiled.self).tenant

            // Nothing listens on the relay's port: the email waits, retried, with the reason.
            let event = NodeEvent(type: "emailRequested", id: UUID().uuidString, tenant: key,
                                  reference: MenuAction.emailKey(to: "boss@acme.example", template: template), caller: "+34600111222", at: Date())
            #expect(try await MediaNodeHarness.post([event], to: portal, node: node, secret: secret) == 204)
            let waiting = try await Self.eventually("two failed attempts") { () -> OutboxRow? in
                let rows = try await Self.outbox(portal)
                return rows.count == 1 && rows[0].attempts >= 2 ? rows[0] : nil
            }
            #expect(!waiting.sent)
            #expect(waiting.lastError?.contains("Connection refused") == true, "\(String(describing: waiting.lastError))")

            // The relay comes up on the same port: the email goes, once.
            let smtp = try await EmailNotificationTests.smtpServer(port: port, handler: ["aiosmtpd.handlers.Mailbox", maildir])
            defer { smtp.signal(SIGKILL) }
            let back = ContinuousClock.now
            let sent = try await Self.eventually("the email marked sent") { () -> OutboxRow? in
                let rows = try await Self.outbox(portal)
                return rows.count == 1 && rows[0].sent ? rows[0] : nil
            }
            print("SMTP outage: delivered \((ContinuousClock.now - back).milliseconds) ms after the relay was back, attempt \(sent.attempts)")
            #expect(sent.lastError == nil && sent.attempts > waiting.attempts)
            // A few more mail passes (every 100 ms here) must not send it again.
            try await Task.sleep(for: .seconds(1))
            let messages = try FileManager.default.contentsOfDirectory(atPath: maildir + "/new")
            #expect(messages.count == 1, "\(messages)")
            let message = try String(contentsOfFile: maildir + "/new/" + (messages.first ?? ""), encoding: .utf8)
            #expect(message.contains("X-RcptTo: boss@acme.example"))
            #expect(message.contains("Missed call from +34600111222"))
            #expect(try await Self.outbox(portal) == [sent])
        }
    }
}
