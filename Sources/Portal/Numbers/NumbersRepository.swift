import Foundation
import Postgres
import Telephony

/// A public number as the API shows it.
struct NumberView: Codable, Sendable, Equatable {
    var id: String
    var number: String
    var destination: Destination?
    var version: Int
    var createdAt: Date
    var updatedAt: Date
}

/// The SQL of public numbers.
struct NumbersRepository: Sendable {
    static let columns = """
        id::text AS id, number, destination_type, destination_id::text AS destination_id, destination_number, version, created_at, updated_at
        """

    func list(on connection: PostgresConnection) async throws -> [NumberView] {
        try await connection.query("SELECT \(unsafeRaw: Self.columns) FROM public_numbers WHERE tenant_id = app_tenant() ORDER BY number")
            .map(Self.decode)
    }

    func find(_ id: UUID, forUpdate: Bool = false, on connection: PostgresConnection) async throws -> NumberView? {
        try await connection.query("SELECT \(unsafeRaw: Self.columns) FROM public_numbers WHERE id = \(id)\(unsafeRaw: forUpdate ? " FOR UPDATE" : "")")
            .first.map(Self.decode)
    }

    func create(number: String, tenantID: UUID, on connection: PostgresConnection) async throws -> NumberView {
        let rows = try await connection.query("""
            INSERT INTO public_numbers (tenant_id, number) VALUES (\(tenantID), \(number)) RETURNING \(unsafeRaw: Self.columns)
            """)
        guard let row = rows.first else { throw PostgresError(.client, "INSERT returned no row") }
        return try Self.decode(row)
    }

    func route(_ id: UUID, to destination: Destination?, on connection: PostgresConnection) async throws -> NumberView? {
        let targetID = destination?.targetID.flatMap(UUID.init(uuidString:))
        let external: String? = if case .external(let number) = destination { number } else { nil }
        return try await connection.query("""
            UPDATE public_numbers SET destination_type = \(destination?.type), destination_id = \(targetID), destination_number = \(external),
                version = version + 1, updated_at = now()
            WHERE id = \(id) RETURNING \(unsafeRaw: Self.columns)
            """).first.map(Self.decode)
    }

    func delete(_ id: UUID, on connection: PostgresConnection) async throws {
        try await connection.query("DELETE FROM public_numbers WHERE id = \(id)")
    }

    static func decode(_ row: PostgresRow) throws -> NumberView {
        var destination: Destination?
        if let type = try row.decode(String?.self, "destination_type") {
            destination = try? Destination(type: type, id: try row.decode(String?.self, "destination_id"),
                                           number: try row.decode(String?.self, "destination_number"))
        }
        return NumberView(id: try row.decode(String.self, "id"), number: try row.decode(String.self, "number"), destination: destination,
                          version: try row.decode(Int.self, "version"), createdAt: try row.decode(Date.self, "created_at"),
                          updatedAt: try row.decode(Date.self, "updated_at"))
    }
}
