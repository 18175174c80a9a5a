import Foundation
import HTTPServer
@testable import Portal
import Postgres
import Synchronization
import Testing
import TestSupport

/// Configuration changes notify `centralita_config` with their tenant (the deployer and the
/// list caches of every portal listen): a portal's writes right after their COMMIT, outside
/// its locks (migration 0020), anything else inside its transaction. Nothing is notified for
/// a write that did not happen, and nothing twice.
@Suite struct ConfigNotificationTests {
    struct Named: Decodable { var id: String }

    /// Collects the payloads heard on `centralita_config`.
    final class Heard: Sendable {
        let payloads = Mutex<[String]>([])
        var all: [String] { payloads.withLock { $0 } }
    }

    @Test func writesNotifyTheirTenantOnceAfterCommitAndFailedOnesNothing() async throws {
        try await withLivePortal(label: "config_notify") { portal async throws in
            let heard = Heard()
            let listener = PostgresListener(connectionString: portal.databaseURL, channels: [ListCache.channel]) { notification in
                heard.payloads.withLock { $0.append(notification.payload) }
                return true
            }
            await listener.start()
            defer { listener.stop() }
            let tenant = try await portal.createTenant()
            let (client, adminID) = try await portal.signedIn(tenant: tenant)
            let base = "/api/v1/tenants/\(tenant)/extensions"
            let created = try await client.request("POST", base, json: #"{"ownerId":"\#(adminID)","number":"1001","name":"Reception"}"#)
            #expect(created.status == 201, "\(created.bodyText)")
            let id = try created.json(Named.self).id
            #expect(try await eventually { heard.all == [tenant.lowercased()] }, "\(heard.all)")

            // Refused writes change nothing and notify nothing; the next write notifies once.
            #expect(try await client.request("PATCH", "\(base)/\(id)", json: #"{"number":"12"}"#).status == 422)
            #expect(try await client.request("PATCH", "\(base)/\(id)", json: #"{"name":"Front desk"}"#, headers: ["If-Match": "\"99\""]).status == 412)
            #expect(try await client.request("PATCH", "\(base)/\(id)", json: #"{"name":"Front desk"}"#).status == 200)
            #expect(try await eventually { heard.all.count == 2 })
            // Reads and writes outside the configuration (an API key) on the same connections
            // do not repeat an earlier tenant's notification.
            for _ in 0..<8 { #expect(try await client.request("GET", base).status == 200) }
            #expect(try await client.request("POST", "/api/v1/tenants/\(tenant)/api-keys", json: #"{"name":"k","role":"admin"}"#).status == 201)
            try await Task.sleep(for: .milliseconds(300))
            #expect(heard.all == [tenant.lowercased(), tenant.lowercased()], "\(heard.all)")

            // Plain SQL notifies inside its own transaction, as before.
            try await portal.owner.query("UPDATE extensions SET name = 'By SQL' WHERE id = \(UUID(uuidString: id)!)")
            #expect(try await eventually { heard.all.count == 3 })
            // The portal's connections keep no tenant behind for a later transaction.
            let left = try await portal.app.pool.transaction { connection in
                try await connection.query("SELECT coalesce(current_setting('app.changed_tenants', true), '') AS left").first?.decode(String.self, "left")
            }
            #expect(left == "")
        }
    }
}
