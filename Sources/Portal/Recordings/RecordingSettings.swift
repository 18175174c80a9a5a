import Foundation
import Postgres

/// EXT-4 as the API shows it.
struct RecordingSettings: Codable, Sendable, Equatable {
    var enabled = false
    /// never | conferences | onDemand (*1) | always
    var start = "never"
    /// Play a notice that the call is recorded.
    var announce = false
    /// 0: never delete.
    var deleteAfterDays = 0
    var version = 0
}

/// The SQL of recording settings.
struct RecordingSettingsRepository: Sendable {
    func find(extension id: UUID, on connection: PostgresConnection) async throws -> RecordingSettings {
        guard let row = try await connection.query("""
            SELECT enabled, start, announce, delete_after_days, version FROM recording_settings WHERE extension_id = \(id) FOR UPDATE
            """).first else { return RecordingSettings() }
        return RecordingSettings(enabled: try row.decode(Bool.self, "enabled"), start: try row.decode(String.self, "start"),
                                 announce: try row.decode(Bool.self, "announce"), deleteAfterDays: try row.decode(Int.self, "delete_after_days"),
                                 version: try row.decode(Int.self, "version"))
    }

    func save(_ s: RecordingSettings, extension id: UUID, tenantID: UUID, on connection: PostgresConnection) async throws {
        try await connection.query("""
            INSERT INTO recording_settings (tenant_id, extension_id, enabled, start, announce, delete_after_days)
            VALUES (\(tenantID), \(id), \(s.enabled), \(s.start), \(s.announce), \(s.deleteAfterDays))
            ON CONFLICT (tenant_id, extension_id) DO UPDATE SET enabled = excluded.enabled, start = excluded.start,
                announce = excluded.announce, delete_after_days = excluded.delete_after_days,
                version = recording_settings.version + 1, updated_at = now()
            """)
    }
}
