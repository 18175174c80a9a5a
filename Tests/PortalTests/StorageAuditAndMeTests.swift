import Foundation
@testable import Portal
import Postgres
import Testing
import TestSupport

@Suite struct StorageAuditAndMeTests {
    @Test func storageShowsUsageByKindAgainstTheQuota() async throws {
        try await withLivePortal(label: "storage") { portal async throws in
            let tenant = try await portal.createTenant()
            let admin = try await portal.createUser(tenant: tenant, role: "admin")
            let tenantID = UUID(uuidString: tenant)!, userID = UUID(uuidString: admin.id)!
            try await portal.owner.query("""
                INSERT INTO storage_usage (tenant_id, user_id, kind, bytes) VALUES (\(tenantID), \(userID), 'voicemail', 1500), (\(tenantID), \(userID), 'sounds', 500)
                """)
            try await portal.owner.query("UPDATE tenants SET storage_quota_bytes = 10000 WHERE id = \(tenantID)")
            let client = try portal.client()
            try await client.signIn(admin.username)
            let usage = try await client.request("GET", "/api/v1/tenants/\(tenant)/users/\(admin.id)/storage")
            #expect(usage.status == 200)
            struct Usage: Decodable { var usedBytes: Int; var totalBytes: Int; var byKind: [String: Int] }
            let decoded = try usage.json(Usage.self)
            #expect(decoded.usedBytes == 2000 && decoded.totalBytes == 10000)
            #expect(decoded.byKind == ["voicemail": 1500, "sounds": 500, "recordings": 0, "holdMusic": 0])
            #expect(try await client.request("GET", "/api/v1/tenants/\(tenant)/users/\(UUID().uuidString)/storage").status == 404)
        }
    }

    @Test func auditFiltersByEntityUserAndTime() async throws {
        try await withLivePortal(label: "audit") { portal async throws in
            let tenant = try await portal.createTenant()
            let admin = try await portal.createUser(tenant: tenant, role: "admin")
            let client = try portal.client()
            try await client.signIn(admin.username)
            _ = try await client.request("PATCH", "/api/v1/tenants/\(tenant)", json: #"{"name":"Renamed"}"#)
            _ = try await client.request("POST", "/api/v1/tenants/\(tenant)/api-keys", json: #"{"name":"k","role":"member"}"#)
            _ = try await client.request("PATCH", "/api/v1/tenants/\(tenant)/users/\(admin.id)", json: #"{"city":"Cádiz"}"#)
            struct Page: Decodable { var items: [AuditEntry]; var total: Int }
            let all = try await client.request("GET", "/api/v1/tenants/\(tenant)/audit").json(Page.self)
            #expect(all.total == 3)
            #expect(all.items.map(\.entity) == ["user", "apiKey", "tenant"], "newest first")
            #expect(try await client.request("GET", "/api/v1/tenants/\(tenant)/audit?entity=user").json(Page.self).total == 1)
            #expect(try await client.request("GET", "/api/v1/tenants/\(tenant)/audit?user=\(admin.id)").json(Page.self).total == 3)
            #expect(try await client.request("GET", "/api/v1/tenants/\(tenant)/audit?user=\(UUID().uuidString)").json(Page.self).total == 0)
            #expect(try await client.request("GET", "/api/v1/tenants/\(tenant)/audit?from=2999-01-01T00:00:00Z").json(Page.self).total == 0)
            #expect(try await client.request("GET", "/api/v1/tenants/\(tenant)/audit?from=yesterday").status == 422)
            let first = try await client.request("GET", "/api/v1/tenants/\(tenant)/audit?limit=2")
            #expect(first.bodyText.contains(#""nextCursor":""#))
        }
    }

    @Test func membersEditThemselvesThroughMe() async throws {
        try await withLivePortal(label: "me_patch") { portal async throws in
            let tenant = try await portal.createTenant()
            let member = try await portal.createUser(tenant: tenant, role: "member")
            let client = try portal.client()
            try await client.signIn(member.username)
            let changed = try await client.request("PATCH", "/api/v1/me", json: #"{"language":"en","timezone":"America/Argentina/Buenos_Aires"}"#)
            #expect(changed.status == 200)
            #expect(try changed.json(UserView.self).language == "en")
            #expect(try await client.request("PATCH", "/api/v1/me", json: #"{"role":"admin"}"#).status == 403)
            #expect(try await client.request("PATCH", "/api/v1/me", json: #"{"timezone":"Moon/Base"}"#).status == 422)
        }
    }
}
