import Foundation
import Postgres
import Telephony

/// An email the mailer owes.
struct OutgoingEmail: Sendable, Equatable {
    var id: UUID
    var tenantID: UUID
    var recipient: String
    var subject: String
    var body: String
    var attempts: Int
}

/// The SQL of the email outbox and of finding the email actions a node reports.
struct EmailOutboxRepository: Sendable {
    func enqueue(_ tenantID: UUID, to recipient: String, subject: String, body: String, on c: PostgresConnection) async throws {
        try await c.query("""
            INSERT INTO email_outbox (tenant_id, recipient, subject, body)
            VALUES (\(tenantID), \(recipient), \(String(subject.prefix(200))), \(String(body.prefix(10_000))))
            """)
    }

    /// Claims up to `limit` due emails (operator scope): they are not due again for five
    /// minutes, so another portal process does not send them meanwhile.
    /// Tenants with email due (tenant IDs only, across tenants through a definer function).
    func tenantsWithDueEmail(limit: Int = 50, on c: PostgresConnection) async throws -> [UUID] {
        try await c.query("SELECT id FROM app_tenants_with_due_email(\(limit)::int) AS id").map { try $0.decode(UUID.self, "id") }
    }

    /// The scoped tenant's due email, claimed for five minutes.
    func claimDue(limit: Int = 20, on c: PostgresConnection) async throws -> [OutgoingEmail] {
        try await c.query("""
            UPDATE email_outbox SET next_attempt_at = now() + interval '5 minutes'
            WHERE id IN (SELECT id FROM email_outbox WHERE sent_at IS NULL AND next_attempt_at <= now()
                         ORDER BY next_attempt_at LIMIT \(limit) FOR UPDATE SKIP LOCKED)
            RETURNING id, tenant_id, recipient, subject, body, attempts
            """).map { row in
            OutgoingEmail(id: try row.decode(UUID.self, "id"), tenantID: try row.decode(UUID.self, "tenant_id"),
                          recipient: try row.decode(String.self, "recipient"), subject: try row.decode(String.self, "subject"),
                          body: try row.decode(String.self, "body"), attempts: try row.decode(Int.self, "attempts"))
        }
    }

    func markSent(_ id: UUID, on c: PostgresConnection) async throws {
        try await c.query("UPDATE email_outbox SET sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = \(id)")
    }

    /// After 8 attempts the email stays unsent with its last error.
    func markFailed(_ id: UUID, error: String, retryIn seconds: Double, on c: PostgresConnection) async throws {
        try await c.query("""
            UPDATE email_outbox SET attempts = attempts + 1, last_error = \(String(error.prefix(1000))),
                next_attempt_at = CASE WHEN attempts + 1 >= 8 THEN 'infinity' ELSE now() + make_interval(secs => \(seconds)) END
            WHERE id = \(id)
            """)
    }

    /// The tenant's email action with this key, if it is still configured. Only the lists that
    /// hold an email action somewhere (nested branches too) are read and decoded.
    func emailAction(_ tenantID: UUID, key: String, on c: PostgresConnection) async throws -> (to: String, template: String)? {
        let lists = try await c.query("""
            SELECT actions FROM ivr_options WHERE tenant_id = \(tenantID) AND jsonb_path_exists(actions, '$.** ? (@.type == "email")')
            UNION ALL
            SELECT actions FROM call_flows WHERE tenant_id = \(tenantID) AND jsonb_path_exists(actions, '$.** ? (@.type == "email")')
            """).map { try $0.decode(PostgresJSON.self, "actions").decode([MenuAction].self) }
        return lists.lazy.flatMap { MenuAction.emails(in: $0) }.first { MenuAction.emailKey(to: $0.to, template: $0.template) == key }
    }
}
