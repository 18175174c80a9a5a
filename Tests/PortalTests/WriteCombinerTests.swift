import Foundation
import HTTPServer
@testable import Portal
import Postgres
import Testing
import TestSupport

/// Concurrent edits of one tenant's extensions share transactions (`WriteCombiner`), and each
/// keeps its own outcome: its version, its audit row under its own actor, its own refusal.
@Suite struct WriteCombinerTests {
    struct Edited: Decodable { var id: String; var name: String; var number: String; var version: Int }
    struct Secret: Decodable { var secret: String }

    @Test func concurrentEditsCommitTogetherAndEachKeepsItsOutcome() async throws {
        try await withLivePortal(label: "combined_writes") { portal async throws in
            let tenant = try await portal.createTenant()
            let (session, adminID) = try await portal.signedIn(tenant: tenant)
            let key = try await session.request("POST", "/api/v1/tenants/\(tenant)/api-keys", json: #"{"name":"load","role":"admin"}"#)
                .json(Secret.self).secret
            let base = "/api/v1/tenants/\(tenant)/extensions"
            var ids: [String] = []
            for number in ["1001", "1002"] {
                let created = try await session.request("POST", base, json: #"{"ownerId":"\#(adminID)","number":"\#(number)","name":"Desk"}"#)
                #expect(created.status == 201, "\(created.bodyText)")
                ids.append(try created.json(Edited.self).id)
            }
            let before = portal.app.combiner?.statistics ?? (batches: 0, writes: 0)
            let (first, second) = (ids[0], ids[1])

            // 12 connections, half by API key and half by session; per connection 4 renames of
            // the first extension, one move of the second onto a taken number (409) and one
            // invalid ring time (422), all at once.
            var clients: [APIClient] = []
            for index in 0..<12 {
                let client = try portal.client()
                if index.isMultiple(of: 2) { client.bearer = key } else { client.cookie = session.cookie; client.csrfToken = session.csrfToken }
                clients.append(client)
            }
            let outcomes = try await withThrowingTaskGroup(of: [(kind: String, status: Int, body: String)].self) { group in
                for (index, client) in clients.enumerated() {
                    group.addTask { [client] in
                        var seen: [(kind: String, status: Int, body: String)] = []
                        for round in 0..<4 {
                            let name = "Desk \(index)-\(round)"
                            let response = try await client.request("PATCH", "\(base)/\(first)", json: #"{"name":"\#(name)"}"#)
                            seen.append(("rename \(name)", response.status, response.bodyText))
                        }
                        let taken = try await client.request("PATCH", "\(base)/\(second)", json: #"{"number":"1001"}"#)
                        seen.append(("taken", taken.status, taken.bodyText))
                        let invalid = try await client.request("PATCH", "\(base)/\(first)", json: #"{"ringSeconds":1}"#)
                        seen.append(("invalid", invalid.status, invalid.bodyText))
                        return seen
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            let renames = outcomes.filter { $0.kind.hasPrefix("rename ") }
            #expect(renames.count == 48 && renames.allSatisfy { $0.status == 200 }, "\(renames.filter { $0.status != 200 })")
            let versions = try renames.map { try JSONDecoder().decode(Edited.self, from: Data($0.body.utf8)).version }
            #expect(Set(versions) == Set(2...49), "every rename got a version of its own")
            #expect(try renames.allSatisfy { try JSONDecoder().decode(Edited.self, from: Data($0.body.utf8)).name == $0.kind.dropFirst(7) },
                    "each answer is its own request's")
            #expect(outcomes.filter { $0.kind == "taken" }.allSatisfy { $0.status == 409 && $0.body.contains("number") })
            #expect(outcomes.filter { $0.kind == "invalid" }.allSatisfy { $0.status == 422 && $0.body.contains("ringSeconds") })

            let stored = try await session.request("GET", "\(base)/\(ids[0])")
            let after = try stored.json(Edited.self)
            #expect(after.version == 49 && renames.contains { $0.body.contains(#""name":"\#(after.name)""#) })
            // The answers are built without reading the row back: the last one is the row as stored.
            let last = try #require(renames.first { $0.body.contains(#""version":49"#) })
            #expect(try Self.object(last.body) == Self.object(stored.bodyText), "\(last.body) against \(stored.bodyText)")
            #expect(try await session.request("GET", "\(base)/\(ids[1])").json(Edited.self).number == "1002")
            // One audit row per rename, under the actor that sent it; none for the refusals.
            let audit = try await portal.owner.query("""
                SELECT count(*) FILTER (WHERE actor_api_key_id IS NOT NULL)::int AS by_key,
                       count(*) FILTER (WHERE actor_user_id IS NOT NULL AND actor_api_key_id IS NULL)::int AS by_user
                FROM audit_log WHERE entity = 'extension' AND action = 'update' AND tenant_id = \(UUID(uuidString: tenant)!)
                """).first
            #expect(try audit?.decode(Int.self, "by_key") == 24 && audit?.decode(Int.self, "by_user") == 24)
            // They shared transactions: fewer commits than writes.
            let stats = try #require(portal.app.combiner?.statistics)
            #expect(stats.writes - before.writes == 72)
            #expect(stats.batches - before.batches < 72, "\(stats.batches - before.batches) transactions for 72 writes")
        }
    }

    static func object(_ json: String) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? NSDictionary)
    }

    @Test func concurrentWritesOfSeveralTenantsEachLandInTheirOwnTenant() async throws {
        try await withLivePortal(label: "combined_tenants") { portal async throws in
            var targets: [(client: APIClient, path: String, tenant: String)] = []
            for _ in 0..<3 {
                let tenant = try await portal.createTenant()
                let (client, adminID) = try await portal.signedIn(tenant: tenant)
                let base = "/api/v1/tenants/\(tenant)/extensions"
                let created = try await client.request("POST", base, json: #"{"ownerId":"\#(adminID)","number":"1001","name":"Desk"}"#)
                targets.append((client, "\(base)/\(try created.json(Edited.self).id)", tenant))
            }
            let clients = try targets.map { target in
                try (0..<4).map { _ in
                    let client = try portal.client()
                    client.cookie = target.client.cookie
                    client.csrfToken = target.client.csrfToken
                    return (client, target.path, target.tenant)
                }
            }.flatMap { $0 }
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for (index, (client, path, _)) in clients.enumerated() {
                    group.addTask {
                        var failures = 0
                        for round in 0..<5 where try await client.request("PATCH", path, json: #"{"name":"T \#(index) \#(round)"}"#).status != 200 {
                            failures += 1
                        }
                        return failures
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(statuses == 0)
            for target in targets {
                let edited = try await target.client.request("GET", target.path).json(Edited.self)
                #expect(edited.version == 21, "each tenant saw its 20 renames and no other")
                let rows = try await portal.owner.query("""
                    SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = \(UUID(uuidString: target.tenant)!) AND action = 'update'
                    """).first?.decode(Int.self, "n")
                #expect(rows == 20)
            }
        }
    }
}
