import Foundation
import Postgres

/// EXT-3 as the API shows it; the PIN itself never leaves the portal (`pinSet` says whether
/// there is one), except once: a mailbox is never enabled without a PIN, so enabling one
/// without a PIN generates it and that response alone carries it in `generatedPin`.
struct VoicemailSettings: Codable, Sendable, Equatable {
    var enabled = false
    /// 0: never delete.
    var deleteAfterDays = 0
    var notify = "none"
    var pinSet = false
    var answerAfterSeconds = 20
    var exitToExtension: String?
    var keepUnread = false
    var version = 0
    /// Only in the response that generated the PIN.
    var generatedPin: String?

    /// A random PIN of `length` digits (the system's cryptographic generator).
    static func randomPin(length: Int = 5) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in Character(String(Int.random(in: 0...9, using: &generator))) })
    }
}

/// The SQL of voicemail settings.
struct VoicemailSettingsRepository: Sendable {
    /// The stored settings (with the PIN), or the defaults.
    func find(extension id: UUID, on connection: PostgresConnection) async throws -> (settings: VoicemailSettings, pin: String?) {
        guard let row = try await connection.query("""
            SELECT enabled, delete_after_days, notify, pin, answer_after_seconds, exit_to_extension_id::text AS exit_to, keep_unread, version
            FROM voicemail_settings WHERE extension_id = \(id) FOR UPDATE
            """).first else { return (VoicemailSettings(), nil) }
        let pin = try row.decode(String?.self, "pin")
        return (VoicemailSettings(enabled: try row.decode(Bool.self, "enabled"), deleteAfterDays: try row.decode(Int.self, "delete_after_days"),
                                  notify: try row.decode(String.self, "notify"), pinSet: pin != nil,
                                  answerAfterSeconds: try row.decode(Int.self, "answer_after_seconds"),
                                  exitToExtension: try row.decode(String?.self, "exit_to"), keepUnread: try row.decode(Bool.self, "keep_unread"),
                                  version: try row.decode(Int.self, "version")), pin)
    }

    func save(_ s: VoicemailSettings, pin: String?, extension id: UUID, tenantID: UUID, on connection: PostgresConnection) async throws {
        let exit = s.exitToExtension.flatMap(UUID.init(uuidString:))
        try await connection.query("""
            INSERT INTO voicemail_settings (tenant_id, extension_id, enabled, delete_after_days, notify, pin, answer_after_seconds,
                                            exit_to_extension_id, keep_unread)
            VALUES (\(tenantID), \(id), \(s.enabled), \(s.deleteAfterDays), \(s.notify), \(pin), \(s.answerAfterSeconds), \(exit), \(s.keepUnread))
            ON CONFLICT (tenant_id, extension_id) DO UPDATE SET enabled = excluded.enabled, delete_after_days = excluded.delete_after_days,
                notify = excluded.notify, pin = excluded.pin, answer_after_seconds = excluded.answer_after_seconds,
                exit_to_extension_id = excluded.exit_to_extension_id, keep_unread = excluded.keep_unread,
                version = voicemail_settings.version + 1, updated_at = now()
            """)
    }
}
