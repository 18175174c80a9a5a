import Foundation
import HTTPServer
import Logging
import MediaProtocol
import Postgres
import Synchronization

/// Compiles changed tenants and pushes bundles to media nodes until every node has what it
/// should. One leader across all portal processes (a session advisory lock on a connection of
/// its own); the others wait to take over. Wakes on NOTIFY from configuration changes (read by
/// the portal's one listener, see `DeployerWakeups`) and polls as a safety net; failed pushes
/// retry with exponential backoff and jitter, so a node that was down converges as soon as it
/// answers again.
public final class Deployer: Sendable {
    public struct Settings: Sendable {
        public var firstRetry: Double = 1
        public var maximumRetry: Double = 30
        public var poll: Duration = .milliseconds(500)
        /// The most of its time the deployer spends compiling while changes keep coming: after
        /// a pass that compiled for *d*, the next compile waits *d* × (1 / share − 1). A change
        /// after a quiet spell still compiles at once; a stream of them (a script editing
        /// hundreds of extensions) is taken a batch at a time instead of recompiling every
        /// tenant back to back, which cost the writes themselves a sixth of the machine.
        public var compileShare: Double = 0.2
        /// The longest that rest: a slow compile (a loaded machine, a huge tenant) does not hold
        /// the next change back for several times as long.
        public var longestRest: Duration = .seconds(1)
        public var requestTimeout: Double = 30
        /// How often every node's tenant list is compared with the assignments (a tenant deleted
        /// or moved off a node is taken off it: its phones unregister, its numbers stop routing).
        public var reconcileEvery: Duration = .seconds(60)
        /// How often a node that could not be reached is asked `GET /healthz`; once it answers,
        /// its failed pushes go at once rather than at the end of their backoff, so a node that
        /// comes back converges within about this plus `poll`, however long it was away.
        public var probeEvery: Duration = .seconds(1)
        public init() {}
    }

    static let lockKey = 7_263_001

    let connectionString: String
    let database: TenantDatabase
    let repository = DeploymentsRepository()
    let service: DeploymentService
    let settings: Settings
    let logger: Logger
    /// Brings a new node's queue members up to date after its first bundle.
    let commander: NodeCommander
    private let running = Mutex<Task<Void, Never>?>(nil)
    private let wakeups: DeployerWakeups
    private let nextReconciliation = Mutex(ContinuousClock.now)
    /// Nodes whose pushes failed to connect, probed until they answer.
    let unreachable = UnreachableNodes()

    init(connectionString: String, database: TenantDatabase, service: DeploymentService, settings: Settings, wakeups: DeployerWakeups,
         logger: Logger) {
        self.connectionString = connectionString
        self.wakeups = wakeups
        self.database = database
        self.service = service
        self.settings = settings
        self.logger = logger
        commander = NodeCommander(database: database, repository: repository, timeout: settings.requestTimeout, logger: logger)
    }

    public func start() {
        let task = Task { [self] in await run() }
        running.withLock { $0 = task }
    }

    public func stop() async {
        let task = running.withLock { t -> Task<Void, Never>? in defer { t = nil }; return t }
        task?.cancel()
        await task?.value
    }

    private func run() async {
        // One connection, kept between attempts: the lock is tried again on it every `poll`,
        // never on a notification (a portal that does not lead would otherwise open a
        // connection, a server process, per configuration change).
        var connection: PostgresConnection?
        var leading = false
        var compileAfter = ContinuousClock.now
        while !Task.isCancelled {
            if let current = connection, !current.isHealthy() {
                if leading { logger.warning("deployer lost its database connection") }
                connection = nil
                leading = false
            }
            if !leading {
                if connection == nil { connection = await connect() }
                if let current = connection { leading = await tryLock(on: current) }
            }
            if leading {
                if wakeups.takeReconciliation() { nextReconciliation.withLock { $0 = ContinuousClock.now } }
                let staging = ContinuousClock.now >= compileAfter
                let compiled = await work(staging: staging)
                if staging {
                    compileAfter = ContinuousClock.now + min(compiled * Self.restFactor(share: settings.compileShare), settings.longestRest)
                }
            }
            await sleep(wakeable: leading, notBefore: compileAfter)
        }
        if leading, let connection { _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))") }
    }

    private func connect() async -> PostgresConnection? {
        do {
            return try await PostgresConnection.connect(connectionString, applicationName: "centralita-deployer")
        } catch {
            logger.warning("deployer cannot reach the database", metadata: ["error": "\(error)"])
            return nil
        }
    }

    private func tryLock(on connection: PostgresConnection) async -> Bool {
        let got = (try? await connection.query("SELECT pg_try_advisory_lock(\(Self.lockKey)) AS got").first?.decode(Bool.self, "got")) ?? false
        if got { logger.info("deployer leading") }
        return got
    }

    /// How long the deployer rests after compiling for one unit of time, so that compiling
    /// takes at most `share` of its time: a share of 1 or more (or not a number) means no rest,
    /// and one under 1 % counts as 1 % (a rest of 99 times the compile, which `longestRest`
    /// caps anyway), so that the product with a duration cannot overflow.
    static func restFactor(share: Double) -> Double {
        guard share < 1 else { return 0 }
        return 1 / max(share, 0.01) - 1
    }

    /// Until the next poll, or a notification once `earliest` has passed (a notification
    /// before it is kept, and answered then): a change after a quiet spell goes at once, and
    /// a stream of them in batches (see `Settings.compileShare`).
    private func sleep(wakeable: Bool, notBefore earliest: ContinuousClock.Instant) async {
        let deadline = ContinuousClock.now + settings.poll
        while ContinuousClock.now < deadline && !Task.isCancelled {
            if wakeable, ContinuousClock.now >= earliest, wakeups.takeChange() { return }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// One pass: compile what changed (when `staging`), push what is due. Returns how long it
    /// compiled.
    @discardableResult
    func work(staging: Bool = true) async -> Duration {
        let scope = TenantDatabase.Scope.operatorScope(user: nil)
        await probeUnreachableNodes()
        let started = ContinuousClock.now
        var compiling = Duration.zero
        do {
            for tenant in staging ? try await database.transaction(scope, { try await repository.tenantsToStage(on: $0) }) : [] {
                do {
                    try await service.stage(tenant, scope: .operatorScope(user: nil, tenant: tenant), by: nil)
                } catch is DeploymentService.Refused {
                    logger.notice("changes not applied: the configuration has errors", metadata: ["tenant": "\(tenant)"])
                }
            }
            compiling = ContinuousClock.now - started
            var due: [DueDeployment] = []
            for tenant in try await database.transaction(scope, { try await repository.tenantsWithDueDeployments(on: $0) }) {
                due += try await database.transaction(.operatorScope(user: nil, tenant: tenant)) { c in
                    let due = try await repository.due(on: c)
                    for d in due { try await repository.markApplying(d, on: c) }
                    return due
                }
            }
            await withTaskGroup(of: Void.self) { group in
                for d in due { group.addTask { await self.push(d) } }
            }
            let reconcile = nextReconciliation.withLock { next -> Bool in
                guard ContinuousClock.now >= next else { return false }
                next = ContinuousClock.now + settings.reconcileEvery
                return true
            }
            if reconcile { await self.reconcile() }
        } catch {
            logger.error("deployer pass failed", metadata: ["error": "\(error)"])
        }
        return compiling
    }

    func push(_ d: DueDeployment) async {
        let scope = TenantDatabase.Scope.operatorScope(user: nil, tenant: d.tenantID)
        do {
            guard let bundle = try await database.transaction(scope, { try await repository.bundleFiles(d.tenantID, revision: d.revision, on: $0) }) else {
                return
            }
            let secret = Array(d.secret.utf8)
            let known = try await appliedFiles(d, secret: secret)
            let payload = BundlePayload(tenant: d.tenantKey, revision: d.revision, files: bundle.files, omitting: known)
            let body = try JSONCoding.encode(payload)
            let path = "/v1/tenants/\(d.tenantKey)/bundle"
            let response = try await HTTPClient.request("PUT", base: d.url, path: path,
                                                        headers: RequestSignature.headers(secret: secret, method: "PUT", path: path, body: body)
                                                            + [("Content-Type", "application/json")],
                                                        body: body, timeout: settings.requestTimeout)
            guard response.status == 200 else { throw PushFailure(description: "HTTP \(response.status): \(Self.detail(response))") }
            unreachable.reached(d)
            try await database.transaction(scope) { try await repository.markApplied(d, checksum: payload.checksum, on: $0) }
            logger.info("bundle applied", metadata: ["tenant": "\(d.tenantKey)", "revision": "\(d.revision)", "node": "\(d.nodeID)"])
            if known.isEmpty { await resyncAgents(d) }
        } catch {
            let delay = Self.backoff(attempt: d.attempts + 1, first: settings.firstRetry, maximum: settings.maximumRetry)
            logger.warning("bundle push failed", metadata: ["tenant": "\(d.tenantKey)", "revision": "\(d.revision)", "error": "\(error)",
                                                             "retryInSeconds": "\(delay)"])
            _ = try? await database.transaction(scope) { try await repository.markFailed(d, error: "\(error)", retryIn: delay, on: $0) }
            if UnreachableNodes.isUnreachable(error) { unreachable.note(d) }
        }
    }

    /// Takes off every node the tenants it holds but no longer serves (deleted, or moved to
    /// another node): the agent's `DELETE /v1/tenants/{t}` removes the tree, reloads Asterisk
    /// and checks nothing of it is left. A node that cannot be reached is tried next time.
    func reconcile() async {
        let scope = TenantDatabase.Scope.operatorScope(user: nil)
        guard let nodes = try? await database.transaction(scope, { try await repository.nodesWithSecrets(on: $0) }) else { return }
        for node in nodes {
            do {
                let secret = Array(node.secret.utf8)
                let listing = try await HTTPClient.request("GET", base: node.url, path: "/v1/tenants",
                                                           headers: RequestSignature.headers(secret: secret, method: "GET", path: "/v1/tenants", body: []),
                                                           timeout: settings.requestTimeout)
                struct Held: Decodable { var tenants: [String] }
                guard listing.status == 200, let held = try? listing.json(Held.self) else { continue }
                // The assignments are read after the node's list: a tenant the node got since
                // was assigned before it got there, so it is never mistaken for a stray.
                let assigned = try await database.transaction(scope) { try await repository.assignedKeys(node: node.id, on: $0) }
                // The node's answer becomes a request path: only keys of our own form (`t<digits>`).
                for key in held.tenants where BundlePayload.isSafeTenant(key) && !assigned.contains(key) {
                    let path = "/v1/tenants/\(key)"
                    let response = try await HTTPClient.request("DELETE", base: node.url, path: path,
                                                                headers: RequestSignature.headers(secret: secret, method: "DELETE", path: path, body: []),
                                                                timeout: settings.requestTimeout)
                    if response.status == 200 {
                        logger.info("tenant taken off node", metadata: ["tenant": "\(key)", "node": "\(node.id)"])
                    } else {
                        logger.warning("tenant removal failed", metadata: ["tenant": "\(key)", "node": "\(node.id)", "error": "\(Self.detail(response))"])
                    }
                }
            } catch {
                logger.warning("node reconciliation failed", metadata: ["node": "\(node.id)", "error": "\(error)"])
            }
        }
    }

    /// Notified (by `unassign`) when a tenant leaves a node: reconcile on the next pass.
    static let reconcileChannel = "centralita_reconcile"

    /// Queue members live on the node (kept across its restarts), not in the bundle: a node
    /// that had nothing of the tenant (new, or rebuilt) gets the agents the portal holds as
    /// logged in or paused. Idempotent; a node without a manager connection just says so.
    func resyncAgents(_ d: DueDeployment) async {
        let scope = TenantDatabase.Scope.operatorScope(user: nil, tenant: d.tenantID)
        guard let agents = try? await database.transaction(scope, { try await QueueAgentsRepository().all(on: $0) }), !agents.isEmpty else { return }
        let commands = QueueAgentsService.resync(agents, tenantKey: d.tenantKey)
        guard !commands.isEmpty else { return }
        let node = ServingNode(id: d.nodeID.uuidString.lowercased(), name: d.nodeID.uuidString, url: d.url, secret: d.secret, tenantKey: d.tenantKey)
        for start in stride(from: 0, to: commands.count, by: 100) {
            let batch = NodeCommandBatch(tenant: d.tenantKey, commands: Array(commands[start..<min(start + 100, commands.count)]))
            let outcome = await commander.send(batch, to: node)
            if !outcome.applied { break }
        }
    }

    /// What the node already has (so unchanged files are not sent again); empty if unknown.
    func appliedFiles(_ d: DueDeployment, secret: [UInt8]) async throws -> [String: String] {
        let path = "/v1/tenants/\(d.tenantKey)"
        let response = try await HTTPClient.request("GET", base: d.url, path: path, headers: RequestSignature.headers(secret: secret, method: "GET", path: path, body: []),
                                                    timeout: settings.requestTimeout)
        guard response.status == 200, let state = try? response.json(AppliedState.self) else { return [:] }
        return state.files
    }

    /// `first · 2^(attempt-1)`, capped, times a random factor in [0.5, 1].
    static func backoff(attempt: Int, first: Double, maximum: Double) -> Double {
        let base = min(first * pow(2, Double(max(attempt - 1, 0))), maximum)
        return base * Double.random(in: 0.5...1)
    }

    static func detail(_ response: RawResponse) -> String {
        struct Problem: Decodable { var detail: String? }
        return (try? response.json(Problem.self).detail) ?? String(response.bodyText.prefix(300))
    }

    struct PushFailure: Error, CustomStringConvertible { let description: String }
}
