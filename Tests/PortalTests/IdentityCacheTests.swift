import Foundation
import HTTPServer
@testable import Portal
import Postgres
import Testing
import TestSupport

/// The identity cache (issue 15) answers for a key or session only while nothing can have
/// changed it unseen: changes in this portal drop it at once, changes anywhere else (another
/// portal, the CLI, SQL) reach it through NOTIFY.
@Suite struct IdentityCacheTests {
    struct CreatedKey: Decodable { var id: String; var secret: String }

    @Test func aKeyRevokedInOnePortalIsRefusedAtOnceThereAndMomentsLaterByAnother() async throws {
        try await withLivePortal(label: "identity_two") { portal async throws in
            let tenant = try await portal.createTenant()
            let admin = try await portal.createUser(tenant: tenant, role: "admin")
            let session = try portal.client()
            #expect(try await session.signIn(admin.username).status == 200)
            let created = try await session.request("POST", "/api/v1/tenants/\(tenant)/api-keys", json: #"{"name":"integration","role":"admin"}"#)
            let key = try created.json(CreatedKey.self)
            let list = "/api/v1/tenants/\(tenant)/extensions"

            let second = try portal.startSecondPortal()
            do {
                let here = try portal.client()
                here.bearer = key.secret
                let there = try APIClient(port: second.server.port)
                there.bearer = key.secret
                #expect(try await here.request("GET", list).status == 200)
                // Both portals hold the key once their listeners are connected.
                #expect(try await eventually {
                    _ = try await here.request("GET", list)
                    _ = try await there.request("GET", list)
                    return portal.app.identities.count > 0 && second.identities.count > 0
                })

                #expect(try await session.request("DELETE", "/api/v1/tenants/\(tenant)/api-keys/\(key.id)").status == 204)
                #expect(try await here.request("GET", list).status == 401, "the portal that revoked it refuses it at once")
                #expect(try await eventually(timeout: .seconds(2)) { try await there.request("GET", list).status == 401 },
                        "the other portal heard of it through PostgreSQL")
            } catch {
                await second.shutdown()
                throw error
            }
            await second.shutdown()
        }
    }

    @Test func signingOutEndsTheSessionAtOnceAndAPasswordChangeBySQLMomentsLater() async throws {
        try await withLivePortal(label: "identity_session") { portal async throws in
            let tenant = try await portal.createTenant()
            let user = try await portal.createUser(tenant: tenant, role: "member")
            let client = try portal.client()
            #expect(try await client.signIn(user.username).status == 200)
            #expect(try await eventually {
                _ = try await client.request("GET", "/api/v1/me")
                return portal.app.identities.count > 0
            })
            let cookie = client.cookie
            #expect(try await client.request("DELETE", "/api/v1/session").status == 204)
            client.cookie = cookie
            #expect(try await client.request("GET", "/api/v1/me").status == 401, "the ended session is not served from the cache")

            let other = try portal.client()
            #expect(try await other.signIn(user.username).status == 200)
            #expect(try await other.request("GET", "/api/v1/me").status == 200)
            // A change outside the portal: the user is deleted by SQL; their sessions go with them.
            try await portal.owner.query("DELETE FROM users WHERE id = \(UUID(uuidString: user.id)!)")
            #expect(try await eventually(timeout: .seconds(2)) { try await other.request("GET", "/api/v1/me").status == 401 })
        }
    }

    @Test func nothingIsServedWhileTheListenerIsAway() async throws {
        let listener = PostgresListener(connectionString: "postgresql://nobody@/none?host=/nonexistent-dir&port=1", channels: [IdentityCache.channel])
        let cache = IdentityCache(listener: listener, ttl: .seconds(30))
        cache.start()
        defer { cache.stop() }
        let identity = Identity(userID: nil, tenantID: UUID(), role: .admin, displayName: "API key k", credential: .apiKey(id: UUID(), name: "k"))
        let (_, ticket) = cache.lookup([0, 1, 2])
        cache.store(identity, for: [0, 1, 2], ticket: ticket)
        #expect(cache.lookup([0, 1, 2]).identity == nil)
        #expect(cache.count == 0)
    }

    @Test func aLookupThatRacedAChangeDoesNotStoreWhatItRead() async throws {
        let url = try await PostgresCluster.freshDatabase("identity_race")
        let listener = PostgresListener(connectionString: url, channels: [IdentityCache.channel])
        let cache = IdentityCache(listener: listener, ttl: .seconds(30))
        cache.start()
        defer { cache.stop() }
        #expect(try await eventually { listener.generation != nil })
        let identity = Identity(userID: UUID(), tenantID: UUID(), role: .member, displayName: "ana",
                                credential: .session(tokenHash: Array(repeating: 7, count: 32), csrfToken: "t"))
        let key: [UInt8] = [1] + Array(repeating: 7, count: 32)
        let (_, before) = cache.lookup(key)
        cache.forget("s:" + String(repeating: "07", count: 32))
        cache.store(identity, for: key, ticket: before)
        #expect(cache.lookup(key).identity == nil, "read before the change, stored after it: dropped")

        let (_, fresh) = cache.lookup(key)
        cache.store(identity, for: key, ticket: fresh)
        #expect(cache.lookup(key).identity == identity)
        let pool = PostgresPool(.init(connectionString: url, maxConnections: 1))
        defer { pool.shutdown() }
        try await pool.notify(channel: IdentityCache.channel, payload: "u:" + identity.userID!.uuidString.lowercased())
        #expect(try await eventually { cache.lookup(key).identity == nil }, "a user's change drops their sessions")
    }
}
