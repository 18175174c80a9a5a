import Foundation
import Postgres

/// The SQL of tenants.
struct TenantsRepository: Sendable {
    /// A pending plan whose first day has come (in the tenant's time zone) reads as the plan.
    static let columns = """
        id, name, alias, status, timezone, language, contact_email::text AS contact_email, outgoing_caller_ids, max_extensions,
        max_simultaneous_calls, storage_quota_bytes,
        CASE WHEN pending_plan_from <= (now() AT TIME ZONE timezone)::date THEN pending_plan ELSE plan END AS plan,
        CASE WHEN pending_plan_from <= (now() AT TIME ZONE timezone)::date THEN NULL ELSE pending_plan END AS pending_plan,
        CASE WHEN pending_plan_from <= (now() AT TIME ZONE timezone)::date THEN NULL ELSE pending_plan_from END AS pending_plan_from,
        version, created_at, updated_at
        """

    /// Inserts every field of `tenant` (its id, version and times are the database's).
    func create(_ t: TenantView, on connection: PostgresConnection) async throws -> TenantView {
        let rows = try await connection.query("""
            INSERT INTO tenants (name, alias, status, timezone, language, contact_email, outgoing_caller_ids, max_extensions,
                                 max_simultaneous_calls, storage_quota_bytes, plan)
            VALUES (\(t.name), \(t.alias), \(t.status), \(t.timezone), \(t.language), \(t.contactEmail), \(t.outgoingCallerIds),
                    \(t.maxExtensions), \(t.maxSimultaneousCalls), \(t.storageQuotaBytes), \(t.plan))
            RETURNING \(unsafeRaw: Self.columns)
            """)
        guard let row = rows.first else { throw PostgresError(.client, "INSERT returned no row") }
        return try Self.decode(row)
    }

    func list(on connection: PostgresConnection) async throws -> [TenantView] {
        try await connection.query("SELECT \(unsafeRaw: Self.columns) FROM tenants ORDER BY lower(name), id").map(Self.decode)
    }

    func findForUpdate(_ id: UUID, on connection: PostgresConnection) async throws -> TenantView? {
        try await connection.query("SELECT \(unsafeRaw: Self.columns) FROM tenants WHERE id = \(id) FOR UPDATE").first.map(Self.decode)
    }

    /// Writes the editable fields. A new `plan` becomes pending from the 1st of next month in
    /// the tenant's time zone; asking for the current plan again cancels a pending change.
    func update(_ id: UUID, _ t: TenantView, on connection: PostgresConnection) async throws -> TenantView? {
        try await connection.query("""
            UPDATE tenants SET
                plan = CASE WHEN pending_plan_from <= (now() AT TIME ZONE timezone)::date THEN pending_plan ELSE plan END,
                name = \(t.name), alias = \(t.alias), status = \(t.status), timezone = \(t.timezone), language = \(t.language),
                contact_email = \(t.contactEmail), outgoing_caller_ids = \(t.outgoingCallerIds), max_extensions = \(t.maxExtensions), max_simultaneous_calls = \(t.maxSimultaneousCalls),
                storage_quota_bytes = \(t.storageQuotaBytes), version = version + 1, updated_at = now()
            WHERE id = \(id)
            """)
        try await connection.query("""
            UPDATE tenants SET
                pending_plan = CASE WHEN \(t.plan)::text = plan THEN NULL ELSE \(t.plan)::text END,
                pending_plan_from = CASE WHEN \(t.plan)::text = plan THEN NULL
                    ELSE (date_trunc('month', now() AT TIME ZONE timezone) + interval '1 month')::date END
            WHERE id = \(id)
            """)
        return try await find(id, on: connection)
    }

    func delete(_ id: UUID, on connection: PostgresConnection) async throws {
        try await connection.query("DELETE FROM tenants WHERE id = \(id)")
    }

    func find(_ id: UUID, on connection: PostgresConnection) async throws -> TenantView? {
        try await connection.query("SELECT \(unsafeRaw: Self.columns) FROM tenants WHERE id = \(id)").first.map(Self.decode)
    }

    /// The scoped tenant's configuration revision (nil when the tenant is gone): what
    /// `ListCache` compares its pages with.
    func configRevision(on connection: PostgresConnection) async throws -> Int? {
        try await connection.query("SELECT config_revision FROM tenant_revisions WHERE tenant_id = app_tenant()").first?.decode(Int.self, "config_revision")
    }

    static func decode(_ row: PostgresRow) throws -> TenantView {
        TenantView(
            id: try row.decode(String.self, "id"), name: try row.decode(String.self, "name"), alias: try row.decode(String?.self, "alias"),
            status: try row.decode(String.self, "status"), timezone: try row.decode(String.self, "timezone"),
            language: try row.decode(String.self, "language"), contactEmail: try row.decode(String?.self, "contact_email"),
            outgoingCallerIds: try row.decode([String].self, "outgoing_caller_ids"),
            maxExtensions: try row.decode(Int.self, "max_extensions"),
            maxSimultaneousCalls: try row.decode(Int.self, "max_simultaneous_calls"),
            storageQuotaBytes: try row.decode(Int.self, "storage_quota_bytes"), plan: try row.decode(String.self, "plan"),
            pendingPlan: try row.decode(String?.self, "pending_plan"),
            pendingPlanFrom: try row.decode(PostgresDate?.self, "pending_plan_from")?.description,
            version: try row.decode(Int.self, "version"), createdAt: try row.decode(Date.self, "created_at"),
            updatedAt: try row.decode(Date.self, "updated_at"))
    }
}
