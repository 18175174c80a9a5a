import Foundation
import HTTPServer
@testable import Portal
import Postgres
import Testing
import TestSupport

/// QUE-1 … QUE-6 over the live API: queues, agents and the agent state machine.
@Suite struct QueuesAPITests {
    struct Queue: Decodable {
        var id: String
        var name: String
        var number: String
        var strategy: String
        var maxWaiting: Int
        var maxWaitSeconds: Int
        var stickyAgent: Bool
        var agents: Int
        var agentsLoggedIn: Int
        var version: Int
    }
    struct Agent: Decodable {
        var id: String
        var extensionNumber: String
        var agent: String
        var type: String
        var hasPin: Bool
        var penalty: Int
        var state: String
        var lastLogin: Date?
        var lastLogout: Date?
        var version: Int
    }
    struct Page<T: Decodable>: Decodable { var items: [T] }
    struct StateChange: Decodable { var agents: [Agent]; var nodes: [Node]; struct Node: Decodable { var applied: Bool } }
    struct Created: Decodable { var id: String }

    /// A tenant with an admin, a member owning 1001 and an admin-owned 1002.
    struct World {
        let portal: LivePortal
        let tenant: String
        let admin: APIClient
        let member: APIClient
        let memberUser: (id: String, username: String)
        let ext1001: String
        let ext1002: String
        var t: String { "/api/v1/tenants/\(tenant)" }

        static func make(_ portal: LivePortal) async throws -> World {
            let tenant = try await portal.createTenant()
            let adminUser = try await portal.createUser(tenant: tenant, role: "admin")
            let memberUser = try await portal.createUser(tenant: tenant, role: "member")
            let admin = try portal.client()
            try await admin.signIn(adminUser.username)
            let member = try portal.client()
            try await member.signIn(memberUser.username)
            let t = "/api/v1/tenants/\(tenant)"
            let a = try await admin.request("POST", "\(t)/extensions", json: #"{"ownerId":"\#(memberUser.id)","number":"1001","name":"Ana"}"#).json(Created.self).id
            let b = try await admin.request("POST", "\(t)/extensions", json: #"{"ownerId":"\#(adminUser.id)","number":"1002"}"#).json(Created.self).id
            return World(portal: portal, tenant: tenant, admin: admin, member: member, memberUser: (memberUser.id, memberUser.username), ext1001: a, ext1002: b)
        }

        func queue(_ number: String, _ extra: String = "") async throws -> String {
            let response = try await admin.request("POST", "\(t)/queues", json: #"{"name":"Queue \#(number)","number":"\#(number)"\#(extra)}"#)
            #expect(response.status == 201, "\(response.bodyText)")
            return try response.json(Created.self).id
        }

        func agent(_ queue: String, _ ext: String, _ extra: String = "") async throws -> String {
            let response = try await admin.request("POST", "\(t)/queues/\(queue)/agents", json: #"{"extensionId":"\#(ext)"\#(extra)}"#)
            #expect(response.status == 201, "\(response.bodyText)")
            return try response.json(Created.self).id
        }

        func state(_ client: APIClient, _ queue: String, _ agent: String, _ state: String, scope: String = "queue") async throws -> RawResponse {
            try await client.request("PUT", "\(t)/queues/\(queue)/agents/\(agent)/state", json: #"{"state":"\#(state)","scope":"\#(scope)"}"#)
        }
    }

    @Test func queuesAreCreatedValidatedChangedAndProtectedWhileInUse() async throws {
        try await withLivePortal(label: "queues") { portal async throws in
            let w = try await World.make(portal)
            let created = try await w.admin.request("POST", "\(w.t)/queues", json: """
                {"name":"Support","number":"2000","strategy":"leastRecent","maxWaiting":5,"retrySeconds":10,"serviceLevelSeconds":30,
                 "recordAll":true,"holdMusicId":"system:default","announcement":{"soundId":"system:queue-periodic","everySeconds":45},
                 "maxWaitSeconds":90,"timeoutDestination":{"type":"extension","id":"\(w.ext1002)"},
                 "overflowDestination":{"type":"external","number":"+34 911 000 999"},"stickyAgent":true}
                """)
            #expect(created.status == 201, "\(created.bodyText)")
            let queue = try created.json(Queue.self)
            #expect(queue.strategy == "leastRecent" && queue.maxWaiting == 5 && queue.stickyAgent && queue.agents == 0)
            #expect(created.bodyText.contains(#""number":"+34911000999""#), "the overflow number is stored in E.164")
            let extensions = try await w.admin.request("GET", "\(w.t)/extensions?kind=queue").bodyText
            #expect(extensions.contains(#""number":"2000""#), "a queue is an extension of kind queue")

            let bad = try await w.admin.request("POST", "\(w.t)/queues", json: """
                {"name":"","number":"20","strategy":"ringAll","retrySeconds":0,"announcement":{"soundId":"mine","everySeconds":5},
                 "timeoutDestination":{"type":"queue","id":"\(UUID())"}}
                """)
            #expect(bad.status == 422)
            #expect(Set(try bad.json(ProblemDetails.self).errors?.map(\.field) ?? []) == ["number", "name", "retrySeconds", "announcement.everySeconds"])
            let badStrategy = try await w.admin.request("POST", "\(w.t)/queues", json: #"{"name":"X","number":"2001","strategy":"roundRobin"}"#)
            #expect(try badStrategy.json(ProblemDetails.self).errors?.first?.field == "strategy")
            let missingSound = try await w.admin.request("POST", "\(w.t)/queues", json: #"{"name":"X","number":"2001","announcement":{"soundId":"mine","everySeconds":30}}"#)
            #expect(try missingSound.json(ProblemDetails.self).errors?.first?.field == "announcement.soundId")
            let dangling = try await w.admin.request("POST", "\(w.t)/queues", json: #"{"name":"X","number":"2001","timeoutDestination":{"type":"ivr","id":"\#(UUID())"}}"#)
            #expect(try dangling.json(ProblemDetails.self).errors?.first?.field == "timeoutDestination.id")
            let unknown = try await w.admin.request("POST", "\(w.t)/queues", json: #"{"name":"X","number":"2001","colour":"red"}"#)
            #expect(try unknown.json(ProblemDetails.self).errors?.first?.field == "colour")
            #expect(try await w.admin.request("POST", "\(w.t)/queues", json: #"{"name":"Dup","number":"1001"}"#).status == 409, "numbers are shared with extensions")
            let count = try await portal.owner.query("SELECT count(*) AS n FROM queues").first?.decode(Int.self, "n")
            #expect(count == 1, "nothing half written")

            let patched = try await w.admin.request("PATCH", "\(w.t)/queues/\(queue.id)", json: #"{"strategy":"linear","overflowDestination":null,"maxWaiting":0}"#,
                                                    headers: ["Content-Type": "application/merge-patch+json", "If-Match": "\"\(queue.version)\""])
            #expect(patched.status == 200, "\(patched.bodyText)")
            let after = try patched.json(Queue.self)
            #expect(after.strategy == "linear" && after.maxWaitSeconds == 90 && after.version > queue.version)
            #expect(!patched.bodyText.contains("overflowDestination\":{"))
            #expect(try await w.admin.request("PATCH", "\(w.t)/queues/\(queue.id)", json: #"{"name":"Old"}"#,
                                              headers: ["If-Match": "\"\(queue.version)\""]).status == 412)

            let number = try await portal.owner.query("""
                INSERT INTO public_numbers (tenant_id, number) VALUES (\(UUID(uuidString: w.tenant)!), '+34910000222') RETURNING id::text AS id
                """).first?.decode(String.self, "id") ?? ""
            #expect(try await w.admin.request("PATCH", "\(w.t)/numbers/\(number)", json: #"{"destination":{"type":"queue","id":"\#(queue.id)"}}"#).status == 200)
            let inUse = try await w.admin.request("DELETE", "\(w.t)/queues/\(queue.id)")
            #expect(inUse.status == 409)
            #expect(try inUse.json(ProblemDetails.self).detail.contains("public number +34910000222"))
            #expect(try await w.admin.request("DELETE", "\(w.t)/extensions/\(queue.id)").status == 409, "nor through the extensions API")
            _ = try await w.admin.request("PATCH", "\(w.t)/numbers/\(number)", json: #"{"destination":null}"#)
            #expect(try await w.admin.request("DELETE", "\(w.t)/queues/\(queue.id)").status == 204)
            #expect(try await w.admin.request("GET", "\(w.t)/queues/\(queue.id)").status == 404)
            let audited = try await portal.owner.query("SELECT count(*) AS n FROM audit_log WHERE entity = 'queue'").first?.decode(Int.self, "n") ?? 0
            #expect(audited == 3, "create, update, delete")
        }
    }

    @Test func agentsFollowTheStateMachineInOneQueueOrAll() async throws {
        try await withLivePortal(label: "agents") { portal async throws in
            let w = try await World.make(portal)
            let support = try await w.queue("2000")
            let sales = try await w.queue("2001")
            let ana = try await w.agent(support, w.ext1001, #","pin":"4321","penalty":3"#)
            let anaSales = try await w.agent(sales, w.ext1001)
            let bruno = try await w.agent(support, w.ext1002, #","supervisor":true"#)
            #expect(try await w.admin.request("POST", "\(w.t)/queues/\(support)/agents", json: #"{"extensionId":"\#(w.ext1001)"}"#).status == 409)
            let badAgent = try await w.admin.request("POST", "\(w.t)/queues/\(support)/agents", json: #"{"extensionId":"\#(support)","pin":"12","penalty":11}"#)
            #expect(Set(try badAgent.json(ProblemDetails.self).errors?.map(\.field) ?? []) == ["pin", "penalty"])

            let list = try await w.admin.request("GET", "\(w.t)/queues/\(support)/agents").json(Page<Agent>.self).items
            #expect(list.map(\.extensionNumber) == ["1001", "1002"], "in the order added")
            #expect(list[0].hasPin && list[0].penalty == 3 && list[0].state == "loggedOut" && list[0].agent == "Ana")
            #expect(list[1].type == "supervisor")
            let stored = try await portal.owner.query("SELECT pin_salt, pin_sha1 FROM queue_agents WHERE id = \(UUID(uuidString: ana)!)").first
            let salt = try stored?.decode(String.self, "pin_salt") ?? ""
            #expect(try stored?.decode(String.self, "pin_sha1") == Secrets.sha1Hex(salt + "4321"), "only the salted digest is kept")

            // Every transition of QUE-3, from each state.
            for (from, to, status) in [("loggedOut", "paused", 409), ("loggedOut", "loggedIn", 200), ("loggedIn", "loggedIn", 200),
                                       ("loggedIn", "paused", 200), ("paused", "loggedOut", 409), ("paused", "loggedIn", 200),
                                       ("loggedIn", "loggedOut", 200)] {
                let r = try await w.state(w.admin, support, bruno, to)
                #expect(r.status == status, "\(from) → \(to): \(r.bodyText)")
                if status == 409 {
                    let problem = try r.json(ProblemDetails.self)
                    #expect(problem.errors?.first?.field == "state")
                    #expect(problem.detail.contains("may only move to"), "\(problem.detail)")
                }
            }
            let bruno1 = try await w.admin.request("GET", "\(w.t)/queues/\(support)/agents").json(Page<Agent>.self).items[1]
            #expect(bruno1.state == "loggedOut" && bruno1.lastLogin != nil && bruno1.lastLogout != nil)
            let bad = try await w.admin.request("PUT", "\(w.t)/queues/\(support)/agents/\(bruno)/state", json: #"{"state":"away"}"#)
            #expect(bad.status == 422)

            // scope all: Ana logs in to both queues at once, then pauses in all.
            let both = try await w.state(w.admin, support, ana, "loggedIn", scope: "all").json(StateChange.self)
            #expect(both.agents.map(\.state) == ["loggedIn", "loggedIn"])
            #expect(both.nodes.isEmpty, "no media node serves this tenant")
            let onlyHere = try await w.state(w.admin, support, ana, "paused").json(StateChange.self)
            #expect(onlyHere.agents.count == 1)
            let salesState = try await w.admin.request("GET", "\(w.t)/queues/\(sales)/agents").json(Page<Agent>.self).items.first { $0.id == anaSales }?.state
            #expect(salesState == "loggedIn", "scope queue leaves the other queue alone")
            // Paused in one queue, logged in in the other: logging out everywhere is refused as a whole.
            let mixed = try await w.state(w.admin, sales, anaSales, "loggedOut", scope: "all")
            #expect(mixed.status == 409)
            #expect(try mixed.json(ProblemDetails.self).detail.contains("queue 2000"))
            let unchanged = try await w.admin.request("GET", "\(w.t)/queues/\(sales)/agents").json(Page<Agent>.self).items.first { $0.id == anaSales }?.state
            #expect(unchanged == "loggedIn", "nothing changed")
            let queues = try await w.admin.request("GET", "\(w.t)/queues").json(Page<Queue>.self).items
            #expect(queues.map(\.agentsLoggedIn) == [1, 1])

            let updated = try await w.admin.request("PATCH", "\(w.t)/queues/\(support)/agents/\(ana)", json: #"{"pin":null,"penalty":0}"#)
            #expect(updated.status == 200, "\(updated.bodyText)")
            #expect(try !updated.json(Agent.self).hasPin)
            let removed = try await w.admin.request("POST", "\(w.t)/queues/\(support)/agents/remove", json: #"{"ids":["\#(ana)","\#(UUID())"]}"#)
            #expect(removed.status == 422, "one unknown ID removes nothing")
            #expect(try await w.admin.request("POST", "\(w.t)/queues/\(support)/agents/remove", json: #"{"ids":["\#(ana)","\#(bruno)"]}"#).status == 200)
            #expect(try await w.admin.request("GET", "\(w.t)/queues/\(support)/agents").json(Page<Agent>.self).items.isEmpty)
        }
    }

    @Test func membersSeeTheirQueuesAndChangeOnlyTheirOwnState() async throws {
        try await withLivePortal(label: "agents_member") { portal async throws in
            let w = try await World.make(portal)
            let support = try await w.queue("2000")
            let other = try await w.queue("2001")
            let mine = try await w.agent(support, w.ext1001)
            let theirs = try await w.agent(support, w.ext1002)
            _ = try await w.agent(other, w.ext1002)
            let visible = try await w.member.request("GET", "\(w.t)/queues").json(Page<Queue>.self).items
            #expect(visible.map(\.number) == ["2000"])
            #expect(try await w.member.request("GET", "\(w.t)/queues/\(other)").status == 404)
            #expect(try await w.member.request("GET", "\(w.t)/queues/\(other)/agents").status == 404)
            #expect(try await w.member.request("GET", "\(w.t)/queues/\(support)/agents").status == 200)
            #expect(try await w.state(w.member, support, mine, "loggedIn").status == 200)
            #expect(try await w.state(w.member, support, theirs, "loggedIn").status == 403)
            #expect(try await w.member.request("POST", "\(w.t)/queues", json: #"{"name":"X","number":"2002"}"#).status == 403)
            #expect(try await w.member.request("PATCH", "\(w.t)/queues/\(support)", json: #"{"name":"X"}"#).status == 403)
            #expect(try await w.member.request("POST", "\(w.t)/queues/\(support)/agents", json: #"{"extensionId":"\#(w.ext1001)"}"#).status == 403)
            #expect(try await w.member.request("PATCH", "\(w.t)/queues/\(support)/agents/\(mine)", json: #"{"penalty":0}"#).status == 403)
            #expect(try await w.member.request("DELETE", "\(w.t)/queues/\(support)/agents/\(mine)").status == 403)
        }
    }

    @Test func anotherTenantCannotReadListChangeOrDeleteQueues() async throws {
        try await withLivePortal(label: "agents_tenancy") { portal async throws in
            let w = try await World.make(portal)
            let support = try await w.queue("2000")
            let agent = try await w.agent(support, w.ext1001)
            let other = try await portal.createTenant()
            let otherAdmin = try await portal.createUser(tenant: other, role: "admin")
            let intruder = try portal.client()
            try await intruder.signIn(otherAdmin.username)
            let o = "/api/v1/tenants/\(other)"
            #expect(try await intruder.request("GET", "\(o)/queues").json(Page<Queue>.self).items.isEmpty)
            #expect(try await intruder.request("GET", "\(o)/queues/\(support)").status == 404)
            #expect(try await intruder.request("PATCH", "\(o)/queues/\(support)", json: #"{"name":"Mine"}"#).status == 404)
            #expect(try await intruder.request("DELETE", "\(o)/queues/\(support)").status == 404)
            #expect(try await intruder.request("GET", "\(o)/queues/\(support)/agents").status == 404)
            #expect(try await intruder.request("PUT", "\(o)/queues/\(support)/agents/\(agent)/state", json: #"{"state":"loggedIn"}"#).status == 404)
            #expect(try await intruder.request("GET", "\(w.t)/queues").status == 404)
        }
    }
}
