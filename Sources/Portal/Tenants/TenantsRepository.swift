import Foundation
import Postgres

/// The SQL of tenants.
struct TenantsRepository: Sendable {
    static let columns = """
        id, name, alias, status, timezone, language, contact_email::text AS contact_email, max_extensions,
        max_simultaneous_calls, storage_quota_bytes, plan, pending_plan, pending_plan_from, version, created_at, updated_at
        """

    struct NewTenant: Sendable {
        var name: String
        var alias: String?
        var timezone = "Europe/Madrid"
        var language = "es"
        var contactEmail: String?
    }

    func create(_ tenant: NewTenant, on connection: PostgresConnection) async throws -> TenantView {
        let rows = try await connection.query("""
            INSERT INTO tenants (name, alias, timezone, language, contact_email)
            VALUES (\(tenant.name), \(tenant.alias), \(tenant.timezone), \(tenant.language), \(tenant.contactEmail))
            RETURNING \(unsafeRaw: Self.columns)
            """)
        guard let row = rows.first else { throw PostgresError(.client, "INSERT returned no row") }
        return try Self.decode(row)
    }

    func find(_ id: UUID, on connection: PostgresConnection) async throws -> TenantView? {
        try await connection.query("SELECT \(unsafeRaw: Self.columns) FROM tenants WHERE id = \(id)").first.map(Self.decode)
    }

    static func decode(_ row: PostgresRow) throws -> TenantView {
        TenantView(
            id: try row.decode(String.self, "id"), name: try row.decode(String.self, "name"), alias: try row.decode(String?.self, "alias"),
            status: try row.decode(String.self, "status"), timezone: try row.decode(String.self, "timezone"),
            language: try row.decode(String.self, "language"), contactEmail: try row.decode(String?.self, "contact_email"),
            maxExtensions: try row.decode(Int.self, "max_extensions"),
            maxSimultaneousCalls: try row.decode(Int.self, "max_simultaneous_calls"),
            storageQuotaBytes: try row.decode(Int.self, "storage_quota_bytes"), plan: try row.decode(String.self, "plan"),
            pendingPlan: try row.decode(String?.self, "pending_plan"),
            pendingPlanFrom: try row.decode(PostgresDate?.self, "pending_plan_from")?.description,
            version: try row.decode(Int.self, "version"), createdAt: try row.decode(Date.self, "created_at"),
            updatedAt: try row.decode(Date.self, "updated_at"))
    }
}
