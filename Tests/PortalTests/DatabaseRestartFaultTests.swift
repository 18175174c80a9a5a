import Foundation
import HTTPServer
import Postgres
import Synchronization
import Testing
import TestSupport

/// Issue 14, first fault: PostgreSQL is stopped (fast shutdown) and started again on the same
/// socket while clients create, change and list extensions through a live portal. Meanwhile
/// every answer is a prompt `503` problem (`/readyz` too); once the server accepts connections
/// the portal is ready and writing again within 5 s; every write that was acknowledged is in
/// the database, once.
@Suite(.serialized) struct DatabaseRestartFaultTests {
    static let clients = 8
    static let outage: Duration = .seconds(3)

    @Test func theDatabaseRestartsUnderLoadAndNoAcknowledgedWriteIsLost() async throws {
        let cluster = try await PostgresCluster.start()
        do {
            try await withLivePortal(label: "restart", cluster: cluster) { portal async throws in
                try await Self.run(portal, cluster: cluster)
            }
        } catch {
            await cluster.destroy()
            throw error
        }
        await cluster.destroy()
    }

    static func run(_ portal: LivePortal, cluster: PostgresCluster) async throws {
        let tenant = try await portal.createTenant()
        try await portal.owner.query("UPDATE tenants SET max_extensions = 100000 WHERE id = \(UUID(uuidString: tenant)!)")
        let adminUser = try await portal.createUser(tenant: tenant, role: "admin")
        let admin = try portal.client()
        try await admin.signIn(adminUser.username)
        let key = try await admin.request("POST", "/api/v1/tenants/\(tenant)/api-keys", json: #"{"name":"load","role":"admin"}"#)
        struct Key: Decodable { var secret: String }
        let secret = try key.json(Key.self).secret

        let log = RestartLog()
        let stop = StopFlag()
        defer { stop.set() } // the load ends also when a step below throws
        let workers = Task {
            await withTaskGroup(of: Void.self) { group in
                for c in 0..<clients {
                    group.addTask {
                        guard let client = try? portal.client() else { log.record(.init(client: c, kind: .read, status: 0)); return }
                        client.bearer = secret
                        await LoadClient(index: c, client: client, tenant: tenant, owner: adminUser.id, log: log).run(until: stop)
                    }
                }
                group.addTask { await ReadinessProbe(port: portal.port, log: log).run(until: stop) }
            }
        }
        // Load on a healthy database first, then the outage.
        try await Task.sleep(for: .seconds(1))
        try await cluster.stopServer()
        let down = ContinuousClock.now
        try await Task.sleep(for: outage)
        let restarting = ContinuousClock.now
        async let started: Void = cluster.startServer()
        let accepting = try await Self.firstAcceptedConnection(cluster.url())
        try await started
        // Load on the recovered database until both recovery marks are in (or 15 s passed).
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline && (log.firstReady(after: accepting) == nil || log.firstWrite(after: accepting) == nil) {
            try await Task.sleep(for: .milliseconds(100))
        }
        try await Task.sleep(for: .seconds(1))
        stop.set()
        await workers.value

        let outcomes = log.outcomes
        let ready = try #require(log.firstReady(after: accepting), "/readyz never answered 200 after the restart")
        let write = try #require(log.firstWrite(after: accepting), "no write succeeded after the restart")
        let readyAfter = ready - accepting, writeAfter = write - accepting
        print("database restart: \(outcomes.count) requests; ready \(readyAfter.milliseconds) ms and writing \(writeAfter.milliseconds) ms after PostgreSQL accepted connections")
        #expect(readyAfter <= .seconds(5))
        #expect(writeAfter <= .seconds(5))

        // During the outage: /readyz says 503, and so does everything else, promptly and as a problem.
        let duringOutage = outcomes.filter { $0.started > down && $0.ended < restarting }
        // (A /readyz that waits out the outage would tell a load balancer nothing.)
        let probes = outcomes.filter { $0.kind == .readiness && $0.ended > down && $0.started < restarting }
            .map { "\(($0.started - down).milliseconds)…\(($0.ended - down).milliseconds) ms: \($0.status)" }
        #expect(duringOutage.contains { $0.kind == .readiness }, "/readyz during the \(outage) outage: \(probes)")
        #expect(duringOutage.contains { $0.kind != .readiness })
        for outcome in duringOutage { #expect(outcome.status == 503, "\(outcome)") }
        for outcome in outcomes {
            #expect([200, 201, 503].contains(outcome.status), "only successes and 503s: \(outcome)")
            if outcome.status == 503 && outcome.kind != .readiness { #expect(outcome.problem, "a 503 is problem+json: \(outcome)") }
            #expect(outcome.ended - outcome.started < .seconds(10), "answered promptly: \(outcome)")
        }
        #expect(outcomes.contains { $0.status == 503 && $0.kind == .create })

        // Every acknowledged write is there, once; nothing is there that nobody asked for.
        let rows = try await portal.owner.query("SELECT number, name FROM extensions WHERE tenant_id = \(UUID(uuidString: tenant)!)")
        var stored: [String: [String]] = [:]
        for row in rows { stored[try row.decode(String.self, "number"), default: []].append(try row.decode(String.self, "name")) }
        let attempted = Set(outcomes.filter { $0.kind == .create }.compactMap(\.number))
        let acknowledged = outcomes.filter { $0.kind == .create && $0.status == 201 }.compactMap(\.number)
        #expect(!acknowledged.isEmpty)
        for number in acknowledged { #expect(stored[number]?.count == 1, "acknowledged extension \(number) stored once") }
        for number in stored.keys { #expect(attempted.contains(number), "\(number) was asked for") }
        // A changed name that was acknowledged holds, unless a later change (acknowledged or not) replaced it.
        for (number, changes) in Dictionary(grouping: outcomes.filter { $0.kind == .patch }, by: { $0.number ?? "" }) {
            let ordered = changes.sorted { $0.started < $1.started }
            guard let lastAcknowledged = ordered.lastIndex(where: { $0.status == 200 }) else { continue }
            let allowed = Set(ordered[lastAcknowledged...].compactMap(\.name))
            #expect(stored[number].map { $0.count == 1 && allowed.contains($0[0]) } == true, "\(number): \(String(describing: stored[number])) in \(allowed)")
        }
        let acknowledgedChanges = outcomes.filter { $0.kind == .patch && $0.status == 200 }.count
        let slowest = outcomes.map { $0.ended - $0.started }.max() ?? .zero
        let slowestInOutage = duringOutage.map { $0.ended - $0.started }.max() ?? .zero
        print("database restart: \(acknowledged.count) creations and \(acknowledgedChanges) changes acknowledged, \(outcomes.filter { $0.status == 503 }.count) answered 503; slowest answer \(slowest.milliseconds) ms (\(slowestInOutage.milliseconds) ms during the outage)")
    }

    /// When the restarted server first lets a client in (checked every 20 ms).
    static func firstAcceptedConnection(_ url: String) async throws -> ContinuousClock.Instant {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if (try? await PostgresConnection.connect(url, connectTimeout: 2)) != nil { return ContinuousClock.now }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw PostgresError(.connection, "PostgreSQL did not come back within 60 s")
    }
}

extension Duration {
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
