import Dialplan
import Foundation
import Postgres
import Telephony

/// Reads everything the compiler needs about one tenant. Run it in a repeatable-read
/// transaction: all the statements then see the same committed state, at one revision.
struct SnapshotRepository: Sendable {
    func load(tenantID: UUID, on connection: PostgresConnection) async throws -> TenantSnapshot? {
        guard let t = try await connection.query("""
            SELECT name, status, timezone, language, dial_key, app_config_revision(id) AS config_revision, outgoing_caller_ids
              FROM tenants WHERE id = \(tenantID)
            """).first else { return nil }
        var snapshot = TenantSnapshot(
            tenantID: tenantID.uuidString.lowercased(), key: try t.decode(Int.self, "dial_key"), name: try t.decode(String.self, "name"),
            active: try t.decode(String.self, "status") == "active", timeZone: try t.decode(String.self, "timezone"),
            language: try t.decode(String.self, "language"), revision: try t.decode(Int.self, "config_revision"))
        snapshot.outgoingCallerIDs = try t.decode([String].self, "outgoing_caller_ids")

        var rulesByExtension: [String: [TenantSnapshot.Rule]] = [:]
        for row in try await connection.query("""
            SELECT id::text AS id, extension_id::text AS extension_id, position, definition FROM rules WHERE tenant_id = \(tenantID)
            ORDER BY extension_id, position
            """) {
            let rule = try row.decode(PostgresJSON.self, "definition").decode(IncomingRule.self)
            rulesByExtension[try row.decode(String.self, "extension_id"), default: []].append(
                TenantSnapshot.Rule(id: try row.decode(String.self, "id"), position: try row.decode(Int.self, "position"), rule: rule))
        }

        snapshot.extensions = try await connection.query("""
            SELECT e.id::text AS id, e.owner_id::text AS owner_id, e.kind, e.number, e.name, e.sip_username, e.sip_ha1, e.ring_seconds,
                   trim(coalesce(u.first_name, '') || ' ' || coalesce(u.last_name, '')) AS owner_name, u.email::text AS email,
                   coalesce(u.phone_language, \(snapshot.language)) AS language,
                   coalesce(v.enabled, false) AS vm_enabled, v.pin, coalesce(v.notify, 'none') AS vm_notify,
                   coalesce(v.answer_after_seconds, 20) AS vm_after, v.exit_to_extension_id::text AS vm_exit,
                   coalesce(v.keep_unread, false) AS vm_keep, coalesce(v.delete_after_days, 0) AS vm_delete,
                   coalesce(r.enabled, false) AS rec_enabled, coalesce(r.start, 'never') AS rec_start, coalesce(r.announce, false) AS rec_announce
            FROM extensions e
            LEFT JOIN users u ON u.id = e.owner_id
            LEFT JOIN voicemail_settings v ON v.extension_id = e.id
            LEFT JOIN recording_settings r ON r.extension_id = e.id
            WHERE e.tenant_id = \(tenantID) ORDER BY e.number
            """).map { row in
            let id = try row.decode(String.self, "id")
            return TenantSnapshot.Extension(
                id: id, kind: TenantSnapshot.Extension.Kind(rawValue: try row.decode(String.self, "kind")) ?? .phone,
                number: try row.decode(String.self, "number"), name: try row.decode(String.self, "name"),
                sipUsername: try row.decode(String.self, "sip_username"), ha1: try row.decode(String.self, "sip_ha1"),
                ringSeconds: try row.decode(Int.self, "ring_seconds"), ownerName: try row.decode(String.self, "owner_name"),
                email: try row.decode(String?.self, "email"), language: try row.decode(String.self, "language"),
                voicemail: .init(enabled: try row.decode(Bool.self, "vm_enabled"), pin: try row.decode(String?.self, "pin"),
                                 notify: .init(rawValue: try row.decode(String.self, "vm_notify")) ?? .none,
                                 answerAfterSeconds: try row.decode(Int.self, "vm_after"), exitToExtensionID: try row.decode(String?.self, "vm_exit"),
                                 keepUnread: try row.decode(Bool.self, "vm_keep"), deleteAfterDays: try row.decode(Int.self, "vm_delete")),
                recording: .init(enabled: try row.decode(Bool.self, "rec_enabled"),
                                 start: .init(rawValue: try row.decode(String.self, "rec_start")) ?? .never,
                                 announce: try row.decode(Bool.self, "rec_announce")),
                rules: rulesByExtension[id] ?? [], ownerID: try row.decode(String?.self, "owner_id"))
        }

        snapshot.intervals = try await connection.query("""
            SELECT \(unsafeRaw: IntervalsRepository.columns) FROM intervals WHERE tenant_id = \(tenantID) ORDER BY id
            """).compactMap { row in
            let view = try IntervalsRepository.decode(row)
            return IntervalsRepository.fields(of: view).map { TenantSnapshot.Interval(id: view.id, name: view.name, interval: $0.rule) }
        }

        var members: [String: [String]] = [:]
        for row in try await connection.query("""
            SELECT group_id::text AS group_id, extension_id::text AS extension_id FROM extension_group_members
            WHERE tenant_id = \(tenantID) ORDER BY group_id, position, extension_id
            """) {
            members[try row.decode(String.self, "group_id"), default: []].append(try row.decode(String.self, "extension_id"))
        }
        snapshot.groups = try await connection.query("SELECT id::text AS id, name FROM extension_groups WHERE tenant_id = \(tenantID) ORDER BY id").map { row in
            let id = try row.decode(String.self, "id")
            return TenantSnapshot.Group(id: id, name: try row.decode(String.self, "name"), memberIDs: members[id] ?? [])
        }

        snapshot.publicNumbers = try await connection.query("""
            SELECT id::text AS id, number, destination_type, destination_id::text AS destination_id, destination_number
            FROM public_numbers WHERE tenant_id = \(tenantID) ORDER BY number
            """).map { row in
            let type = try row.decode(String?.self, "destination_type")
            let destination = try type.map { try Destination(type: $0, id: try row.decode(String?.self, "destination_id"),
                                                             number: try row.decode(String?.self, "destination_number")) }
            return TenantSnapshot.PublicNumber(id: try row.decode(String.self, "id"), number: try row.decode(String.self, "number"), destination: destination)
        }

        for row in try await connection.query("SELECT extension_number, code, active FROM rule_toggles WHERE tenant_id = \(tenantID)") {
            snapshot.ruleToggles["\(try row.decode(String.self, "extension_number"))/\(try row.decode(Int.self, "code"))"] = try row.decode(Bool.self, "active")
        }
        try await loadQueuesAndMenus(tenantID, into: &snapshot, on: connection)
        return snapshot
    }

    /// Queues with their agents (in the order added), IVR contexts (in the order made) with
    /// their options, and call flows.
    func loadQueuesAndMenus(_ tenantID: UUID, into snapshot: inout TenantSnapshot, on connection: PostgresConnection) async throws {
        var agents: [String: [TenantSnapshot.Agent]] = [:]
        for row in try await connection.query("""
            SELECT queue_id::text AS queue_id, extension_id::text AS extension_id, penalty, supervisor, pin_salt, pin_sha1, state
            FROM queue_agents WHERE tenant_id = \(tenantID) ORDER BY queue_id, created_at, id
            """) {
            agents[try row.decode(String.self, "queue_id"), default: []].append(TenantSnapshot.Agent(
                extensionID: try row.decode(String.self, "extension_id"), penalty: try row.decode(Int.self, "penalty"),
                supervisor: try row.decode(Bool.self, "supervisor"), pinSalt: try row.decode(String?.self, "pin_salt"),
                pinSHA1: try row.decode(String?.self, "pin_sha1"), state: AgentState(rawValue: try row.decode(String.self, "state")) ?? .loggedOut))
        }
        snapshot.queues = try await connection.query("""
            SELECT e.id::text AS id, COALESCE(q.settings, '{}'::jsonb) AS settings FROM extensions e LEFT JOIN queues q ON q.extension_id = e.id
            WHERE e.tenant_id = \(tenantID) AND e.kind = 'queue' ORDER BY e.number
            """).map { row in
            let id = try row.decode(String.self, "id")
            return TenantSnapshot.Queue(extensionID: id, settings: try row.decode(PostgresJSON.self, "settings").decode(QueueSettings.self),
                                        agents: agents[id] ?? [])
        }

        var options: [String: [String: [MenuAction]]] = [:]
        for row in try await connection.query("SELECT context_id::text AS context_id, key, actions FROM ivr_options WHERE tenant_id = \(tenantID)") {
            options[try row.decode(String.self, "context_id"), default: [:]][try row.decode(String.self, "key")] =
                try row.decode(PostgresJSON.self, "actions").decode([MenuAction].self)
        }
        var contexts: [String: [TenantSnapshot.IVRContext]] = [:]
        for row in try await connection.query("""
            SELECT id::text AS id, ivr_id::text AS ivr_id, name, is_entry, direct_dial, timeout_seconds, max_retries FROM ivr_contexts
            WHERE tenant_id = \(tenantID) ORDER BY ivr_id, created_at, id
            """) {
            let id = try row.decode(String.self, "id")
            contexts[try row.decode(String.self, "ivr_id"), default: []].append(TenantSnapshot.IVRContext(
                id: id, name: try row.decode(String.self, "name"), entry: try row.decode(Bool.self, "is_entry"),
                directDial: try row.decode(Bool.self, "direct_dial"), timeoutSeconds: try row.decode(Int.self, "timeout_seconds"),
                maxRetries: try row.decode(Int.self, "max_retries"), options: options[id] ?? [:]))
        }
        snapshot.ivrs = snapshot.extensions.filter { $0.kind == .ivr }.map { TenantSnapshot.IVR(extensionID: $0.id, contexts: contexts[$0.id] ?? []) }

        snapshot.callFlows = try await connection.query("SELECT id::text AS id, name, actions FROM call_flows WHERE tenant_id = \(tenantID) ORDER BY id").map { row in
            TenantSnapshot.CallFlow(id: try row.decode(String.self, "id"), name: try row.decode(String.self, "name"),
                                    actions: try row.decode(PostgresJSON.self, "actions").decode([MenuAction].self))
        }
    }
}
