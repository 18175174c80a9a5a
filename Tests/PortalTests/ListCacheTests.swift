import Foundation
import HTTPServer
@testable import Portal
import Postgres
import Testing
import TestSupport

/// List pages kept per configuration revision (issue 15): a repeated list is served from the
/// portal's memory, and a change is seen by this portal's next read at once, through another
/// portal or SQL as soon as its notification arrives, and at once everywhere when the cache
/// checks the revision on every read.
@Suite struct ListCacheTests {
    struct Page: Decodable {
        var items: [ExtensionView]
        var nextCursor: String?
        var total: Int
    }

    struct Named: Decodable { var id: String; var name: String }
    struct Names: Decodable { var items: [Named]; var total: Int }

    /// An admin with one extension, and a second portal on the same database (behind the same
    /// balancer) whose client holds the admin's session; shut down after `body`, also on failure.
    func withTwoPortals(_ portal: LivePortal,
                        _ body: (_ here: APIClient, _ there: APIClient, _ base: String, _ id: String) async throws -> Void) async throws {
        let tenant = try await portal.createTenant()
        let (admin, adminID) = try await portal.signedIn(tenant: tenant, role: "admin")
        let base = "/api/v1/tenants/\(tenant)/extensions"
        let created = try await admin.request("POST", base, json: #"{"ownerId":"\#(adminID)","number":"1001","name":"Reception"}"#)
        #expect(created.status == 201, "\(created.bodyText)")
        let second = try portal.startSecondPortal()
        do {
            let there = try APIClient(port: second.server.port)
            there.cookie = admin.cookie
            there.csrfToken = admin.csrfToken
            try await body(admin, there, base, try created.json(Named.self).id)
        } catch {
            await second.shutdown()
            throw error
        }
        await second.shutdown()
    }

    func roundTrips(_ portal: LivePortal) -> Int {
        let statistics = portal.app.pool.statistics
        return statistics.waitsOnLoop + statistics.waitsOnConnectionThread
    }

    @Test func checkingTheRevisionAChangeMadeAnywhereIsSeenByTheNextListAtOnce() async throws {
        try await withLivePortal(label: "list_cache_two", configure: { $0.listCacheVerifiesRevision = true }) { portal async throws in
            try await withTwoPortals(portal) { admin, there, base, id in
                let tenant = String(base.split(separator: "/")[3])
                let list = "\(base)?limit=20"
                let first = try await admin.request("GET", list)
                #expect(try first.json(Page.self).items.map(\.name) == ["Reception"])
                let hitsBefore = portal.app.listPages.statistics.checkedHits
                let again = try await admin.request("GET", list)
                #expect(again.bodyText == first.bodyText)
                #expect(portal.app.listPages.statistics.checkedHits == hitsBefore + 1, "the second read came from the cache")
                #expect(portal.app.listPages.statistics.hits == 0, "nothing is served unchecked")

                // Another portal behind the same balancer changes it: no notification is needed.
                #expect(try await there.request("PATCH", "\(base)/\(id)", json: #"{"name":"Front desk"}"#).status == 200)
                #expect(try await admin.request("GET", list).json(Page.self).items.map(\.name) == ["Front desk"])

                // SQL, outside any portal.
                try await portal.owner.query("UPDATE extensions SET name = 'By SQL' WHERE id = \(UUID(uuidString: id)!)")
                #expect(try await admin.request("GET", list).json(Page.self).items.map(\.name) == ["By SQL"])

                // A public number routed to it shows on the extension (a table of its own).
                try await portal.owner.query("""
                    INSERT INTO public_numbers (tenant_id, number, destination_type, destination_id)
                    VALUES (\(UUID(uuidString: tenant)!), '+34910000001', 'extension', \(UUID(uuidString: id)!))
                    """)
                #expect(try await admin.request("GET", list).json(Page.self).items.first?.publicNumbers == ["+34910000001"])

                try await portal.owner.query("DELETE FROM public_numbers WHERE tenant_id = \(UUID(uuidString: tenant)!)")
                try await portal.owner.query("DELETE FROM extensions WHERE id = \(UUID(uuidString: id)!)")
                let empty = try await admin.request("GET", list).json(Page.self)
                #expect(empty.items.isEmpty && empty.total == 0)
            }
        }
    }

    @Test func trustingNotificationsARepeatedListAsksNothingAndAChangeIsSeenAtItsNotification() async throws {
        try await withLivePortal(label: "list_cache_notify") { portal async throws in
            try await withTwoPortals(portal) { admin, there, base, id in
                func names() async throws -> [String] { try await admin.request("GET", base).json(Page.self).items.map(\.name) }

                // Once the page is known current on a connected listener, reads cost no round trip.
                #expect(try await eventually { try await names() == ["Reception"] && portal.app.listPages.statistics.hits > 0 })
                let before = roundTrips(portal)
                for _ in 0..<5 { #expect(try await names() == ["Reception"]) }
                #expect(roundTrips(portal) - before <= 1, "five cached reads asked PostgreSQL nothing (the session's touch aside)")

                // Through this portal: the very next read.
                #expect(try await admin.request("PATCH", "\(base)/\(id)", json: #"{"name":"Front desk"}"#).status == 200)
                #expect(try await names() == ["Front desk"])

                // Through another portal, and by SQL: as soon as the notification is read.
                _ = try await names()
                #expect(try await there.request("PATCH", "\(base)/\(id)", json: #"{"name":"Elsewhere"}"#).status == 200)
                #expect(try await eventually(timeout: .seconds(2)) { try await names() == ["Elsewhere"] })
                try await portal.owner.query("UPDATE extensions SET name = 'By SQL' WHERE id = \(UUID(uuidString: id)!)")
                #expect(try await eventually(timeout: .seconds(2)) { try await names() == ["By SQL"] })
            }
        }
    }

    @Test func pagesAreKeptPerTenantAndPerMember() async throws {
        try await withLivePortal(label: "list_cache_scope") { portal async throws in
            let (one, two) = (try await portal.createTenant(), try await portal.createTenant())
            let (adminOne, adminOneID) = try await portal.signedIn(tenant: one, role: "admin")
            let (memberOne, memberOneID) = try await portal.signedIn(tenant: one, role: "member")
            let (adminTwo, adminTwoID) = try await portal.signedIn(tenant: two, role: "admin")
            for (client, tenant, owner, number, name) in [(adminOne, one, adminOneID, "1001", "Admin of one"),
                                                          (adminOne, one, memberOneID, "1002", "Member of one"),
                                                          (adminTwo, two, adminTwoID, "1001", "Admin of two")] {
                let response = try await client.request("POST", "/api/v1/tenants/\(tenant)/extensions",
                                                        json: #"{"ownerId":"\#(owner)","number":"\#(number)","name":"\#(name)"}"#)
                #expect(response.status == 201, "\(response.bodyText)")
                let interval = try await client.request("POST", "/api/v1/tenants/\(tenant)/intervals",
                                                        json: #"{"name":"\#(name)","ownerId":"\#(owner)","startTime":"09:00","endTime":"17:00"}"#)
                #expect(interval.status == 201, "\(interval.bodyText)")
            }
            for round in 1...2 {
                // The same query in every tenant and for every principal; the second round is cached.
                #expect(try await adminOne.request("GET", "/api/v1/tenants/\(one)/extensions").json(Page.self).items.map(\.name)
                        == ["Admin of one", "Member of one"], "round \(round)")
                #expect(try await memberOne.request("GET", "/api/v1/tenants/\(one)/extensions").json(Page.self).items.map(\.name)
                        == ["Member of one"], "round \(round)")
                #expect(try await adminTwo.request("GET", "/api/v1/tenants/\(two)/extensions").json(Page.self).items.map(\.name)
                        == ["Admin of two"], "round \(round)")
                #expect(try await adminTwo.request("GET", "/api/v1/tenants/\(one)/extensions").status == 404, "round \(round)")
                #expect(try await adminOne.request("GET", "/api/v1/tenants/\(one)/intervals").json(Names.self).items.map(\.name)
                        == ["Admin of one", "Member of one"], "round \(round)")
                #expect(try await memberOne.request("GET", "/api/v1/tenants/\(one)/intervals").json(Names.self).items.map(\.name)
                        == ["Member of one"], "round \(round)")
                #expect(try await adminTwo.request("GET", "/api/v1/tenants/\(two)/intervals").json(Names.self).items.map(\.name)
                        == ["Admin of two"], "round \(round)")
            }
            let statistics = portal.app.listPages.statistics
            #expect(statistics.hits + statistics.checkedHits >= 6)
            // Pages and cursors: the first page cached does not answer for the second.
            let first = try await adminOne.request("GET", "/api/v1/tenants/\(one)/extensions?limit=1").json(Page.self)
            let cursor = try #require(first.nextCursor)
            let second = try await adminOne.request("GET", "/api/v1/tenants/\(one)/extensions?limit=1&cursor=\(cursor)").json(Page.self)
            #expect(first.items.map(\.number) == ["1001"] && second.items.map(\.number) == ["1002"] && second.total == 2)
        }
    }

    @Test func theCacheKeepsTheNewestRevisionWithinItsBytes() {
        let cache = ListCache(capacityBytes: 40_000)
        let tenant = UUID()
        func key(_ n: Int) -> ListCache.Key { ListCache.Key(tenant: tenant, list: "extensions", parameters: [String(n), nil]) }
        let body = [UInt8](repeating: 0x20, count: 5_000)
        var ticket = cache.page(key(1)).ticket
        cache.store(key(1), revision: 7, body: body, ticket: ticket)
        #expect(cache.page(key(1)).body == nil, "without a listener nothing is served unchecked")
        #expect(cache.page(key(1), revision: 7, ticket: ticket) == body)
        #expect(cache.page(key(1), revision: 8, ticket: ticket) == nil, "another revision is a miss")
        #expect(cache.page(ListCache.Key(tenant: UUID(), list: "extensions", parameters: ["1", nil]), revision: 7, ticket: ticket) == nil)
        cache.store(key(1), revision: 6, body: [1], ticket: ticket)
        #expect(cache.page(key(1), revision: 7, ticket: ticket) == body, "a slower read of an older revision does not replace a newer one")
        ticket = cache.page(key(1)).ticket
        cache.store(key(1), revision: 9, body: [2], ticket: ticket)
        #expect(cache.page(key(1), revision: 9, ticket: ticket) == [2])
        for n in 2...20 { cache.store(key(n), revision: 1, body: body, ticket: ticket) }
        let stats = cache.statistics
        #expect(stats.bytes <= 40_000 && stats.entries < 20)
        #expect(cache.page(key(20), revision: 1, ticket: ticket) == body, "the newest stays")
        #expect(cache.page(key(2), revision: 1, ticket: ticket) == nil, "the oldest went first")
        cache.store(key(99), revision: 1, body: [UInt8](repeating: 0, count: 20_000), ticket: ticket)
        #expect(cache.page(key(99), revision: 1, ticket: ticket) == nil, "a body over a quarter of the capacity is not kept")

        let off = ListCache(capacityBytes: 0)
        off.store(key(1), revision: 1, body: [1], ticket: ticket)
        #expect(off.page(key(1), revision: 1, ticket: ticket) == nil && off.statistics.entries == 0)
    }

    /// A page read while its tenant changed is never trusted unchecked, nor one stored on a
    /// listener connection that has since gone.
    @Test func aPageReadAcrossAChangeIsCheckedBeforeItIsServed() async throws {
        let url = try await PostgresCluster.freshDatabase("list_cache_listener")
        let listener = PostgresListener(connectionString: url, channels: [ListCache.channel])
        let cache = ListCache(capacityBytes: 1 << 20)
        cache.listen(to: listener)
        await listener.start()
        defer { listener.stop() }
        let (one, two) = (UUID(), UUID())
        let key = ListCache.Key(tenant: one, list: "extensions", parameters: [nil])

        var ticket = cache.page(key).ticket
        cache.store(key, revision: 3, body: [3], ticket: ticket)
        #expect(cache.page(key).body == [3], "stored on a connected listener with nothing changed since the ticket")

        cache.changed(one.uuidString.lowercased())
        #expect(cache.page(key).body == nil, "its tenant changed: checked first")
        #expect(cache.page(key, revision: 3, ticket: ticket) == [3], "the old ticket still finds the revision's page…")
        #expect(cache.page(key).body == nil, "…but does not make it trusted again")
        ticket = cache.page(key).ticket
        #expect(cache.page(key, revision: 3, ticket: ticket) == [3])
        #expect(cache.page(key).body == [3], "checked after the change: trusted again")

        ticket = cache.page(key).ticket
        cache.changed(one)
        cache.store(key, revision: 4, body: [4], ticket: ticket)
        #expect(cache.page(key).body == nil, "read across a change: stored, but not trusted")
        cache.changed(two)
        cache.changed("not a tenant")
        #expect(cache.page(key, revision: 4, ticket: cache.page(key).ticket) == [4])
        #expect(cache.page(key).body == [4])

        let brief = ListCache(capacityBytes: 1 << 20, trustFor: .milliseconds(200))
        brief.listen(to: listener)
        brief.store(key, revision: 5, body: [5], ticket: brief.page(key).ticket)
        #expect(brief.page(key).body == [5])
        try await Task.sleep(for: .milliseconds(300))
        #expect(brief.page(key).body == nil, "past its trust, a page is checked again")
        #expect(brief.page(key, revision: 5, ticket: brief.page(key).ticket) == [5])
        #expect(brief.page(key).body == [5], "and trusted again once checked")

        listener.stop()
        #expect(try await eventually { cache.page(key).body == nil }, "with the listener gone, every read checks")
    }
}

/// The credentials' byte-level parsing (the request path's hottest header work).
@Suite struct CredentialHeaderTests {
    @Test func bearerKeysAreTakenInAnyCaseWithoutSurroundingBlanks() {
        #expect(AuthenticationMiddleware.bearer("Bearer ck_abc") == "ck_abc")
        #expect(AuthenticationMiddleware.bearer("bEaReR \t ck_abc \t") == "ck_abc")
        #expect(AuthenticationMiddleware.bearer("Bearer ") == nil)
        #expect(AuthenticationMiddleware.bearer("Bearer  ") == "")
        #expect(AuthenticationMiddleware.bearer("Basic dXNlcjpwYXNz") == nil)
        #expect(AuthenticationMiddleware.bearer("Bearerck_abc") == nil)
        #expect(AuthenticationMiddleware.bearer("Bearér ck") == nil)
    }

    @Test func theNamedCookieIsTheFirstNonEmptyOne() {
        func cookie(_ values: String...) -> String? {
            var headers = HTTPHeaders()
            for value in values { headers.add("Cookie", value) }
            return AuthenticationMiddleware.cookie("sid", in: headers)
        }
        #expect(cookie("a=1; sid=tok ; b=2") == "tok")
        #expect(cookie("a=1;sid=\ttok") == "tok")
        #expect(cookie("sid=; sid=second") == "second")
        #expect(cookie("xsid=1; sidx=2") == nil)
        #expect(cookie("a=1", "sid=later") == "later")
        #expect(cookie("sid=a=b") == "a=b")
        #expect(cookie(";;; =x; sid") == nil)
        #expect(cookie("") == nil)
    }
}
