import Foundation
import HTTPServer
import Postgres

/// Writes audit rows in the caller's transaction, so a change and its record commit or roll
/// back together. Secret fields are never stored, only named as changed.
struct AuditRecorder: Sendable {
    enum Action: String { case create, update, delete }

    static let secretFields: Set<String> = ["password", "passwordHash", "password_hash", "pin", "secret", "sipPassword"]

    func record(tenantID: UUID, actor: Identity, entity: String, entityID: String, action: Action,
                before: [String: AuditValue]?, after: [String: AuditValue]?, on connection: PostgresConnection) async throws {
        let apiKeyID: UUID? = if case .apiKey(let id, _) = actor.credential { id } else { nil }
        // Nobody reads the row back: it goes out without waiting, and its answer (an error
        // included) comes back with the transaction's next statement or its COMMIT.
        try await connection.queryLater("""
            INSERT INTO audit_log (tenant_id, actor_user_id, actor_api_key_id, actor_name, entity, entity_id, action, before, after)
            VALUES (\(tenantID), \(actor.userID), \(apiKeyID), \(actor.displayName), \(entity), \(entityID), \(action.rawValue),
                    \(try before.map(Self.json)), \(try after.map(Self.json)))
            """)
    }

    /// The fields as `jsonb`, secrets redacted (written by `JSONCoding`, not Foundation's encoder).
    static func json(_ fields: [String: AuditValue]) throws -> PostgresJSON {
        PostgresJSON(text: String(decoding: try JSONCoding.encode(redacted(fields)), as: UTF8.self))
    }

    static func redacted(_ fields: [String: AuditValue]) -> [String: AuditValue] {
        fields.reduce(into: [:]) { out, field in
            out[field.key] = secretFields.contains(field.key) ? .string("[redacted]") : field.value
        }
    }
}

/// A field value as the audit log keeps it.
enum AuditValue: Codable, Sendable, Equatable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case null

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let s): try container.encode(s)
        case .int(let i): try container.encode(i)
        case .bool(let b): try container.encode(b)
        case .null: try container.encodeNil()
        }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let b = try? container.decode(Bool.self) { self = .bool(b) }
        else if let i = try? container.decode(Int.self) { self = .int(i) }
        else { self = .string(try container.decode(String.self)) }
    }
}

extension AuditValue {
    /// Each top-level field of a document as one audit value; nested objects and lists as
    /// their JSON text, so one document type needs no hand-written audit mapping.
    static func fields(of document: some Encodable) throws -> [String: AuditValue] {
        let bytes = try JSONCoding.encode(document)
        let typed = try JSONCoding.decode([String: MergePatch.Value].self, from: bytes)
        let raw = (try JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] ?? [:]
        var values: [String: AuditValue] = [:]
        for (key, value) in typed {
            switch value {
            case .null: values[key] = .null
            case .bool(let b): values[key] = .bool(b)
            case .int(let i): values[key] = .int(i)
            case .string(let s): values[key] = .string(s)
            case .number, .array, .other:
                let data = try JSONSerialization.data(withJSONObject: raw[key] ?? NSNull(), options: [.sortedKeys, .fragmentsAllowed])
                values[key] = .string(String(decoding: data, as: UTF8.self))
            }
        }
        return values
    }
}
