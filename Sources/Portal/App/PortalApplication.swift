public import HTTPServer
public import Logging
public import Postgres
import Foundation
import Dialplan
import MediaProtocol

/// The portal wired together: database pool, routes, middleware and the HTTP server.
public final class PortalApplication: Sendable {
    public let configuration: PortalConfiguration
    public let pool: PostgresPool
    /// The deployer's and the mailer's connections, apart from the requests' `pool`.
    public let backgroundPool: PostgresPool
    public let server: HTTPServer
    public let router: Router
    public let metrics: MetricsRegistry
    public let logger: Logger
    public let deployer: Deployer?
    let mailer: Mailer
    let identities: IdentityCache
    /// List pages kept per configuration revision (`ListCache`).
    let listPages: ListCache
    /// Commits a tenant's concurrent extension edits together (nil: each alone).
    let combiner: WriteCombiner?
    /// The connection that hears `centralita_identity` and `centralita_config`.
    private let changes: PostgresListener

    public init(configuration: PortalConfiguration, logger: Logger, serverConfiguration: HTTPServerConfiguration? = nil,
                auth: AuthConfiguration = AuthConfiguration()) throws {
        self.configuration = configuration
        self.logger = logger
        var poolConfiguration = PostgresPool.Configuration(connectionString: configuration.appDatabaseURL ?? configuration.databaseURL,
                                                           maxConnections: configuration.databaseConnections)
        if configuration.appDatabaseURL == nil {
            logger.warning("the portal logs in as the database owner and only SET ROLEs; set CENTRALITA_APP_DATABASE_URL to log in as centralita_app")
        }
        poolConfiguration.applicationName = "centralita-portal"
        // A hung statement or a transaction left open (a request abandoned half-way) must not
        // pin one of the few pool slots for ever: the server ends them.
        poolConfiguration.statementTimeout = configuration.databaseStatementTimeout
        poolConfiguration.idleInTransactionTimeout = configuration.databaseIdleInTransactionTimeout
        // The portal works as a role that owns nothing and cannot bypass row-level security
        // (a no-op when it logged in as that role).
        poolConfiguration.sessionSetup = "SET ROLE centralita_app"
        let pool = PostgresPool(poolConfiguration, logger: logger)
        self.pool = pool
        // Background work (the deployer, the mailer) has a small pool of its own, so a burst of
        // deployments cannot take the connections requests need, nor the reverse.
        var backgroundConfiguration = poolConfiguration
        backgroundConfiguration.maxConnections = configuration.backgroundDatabaseConnections
        backgroundConfiguration.applicationName = "centralita-background"
        let backgroundPool = PostgresPool(backgroundConfiguration, logger: logger)
        self.backgroundPool = backgroundPool
        let background = TenantDatabase(pool: backgroundPool)
        let metrics = MetricsRegistry()
        self.metrics = metrics
        let migrations = try MigrationRunner(directory: configuration.migrationsDirectory, logger: logger)

        let router = Router()
        self.router = router
        let api = router.group("")
        api.mount(OperationsRoutes(pool: pool, migrations: migrations, metrics: metrics))
        let authRepository = AuthRepository(pool: pool)
        let listPages = ListCache(capacityBytes: configuration.listCacheBytes, verifiesRevision: configuration.listCacheVerifiesRevision)
        self.listPages = listPages
        let combiner = configuration.combineWrites ? WriteCombiner() : nil
        self.combiner = combiner
        let database = TenantDatabase(pool: pool, pages: listPages, combiner: combiner)
        let hasher = PasswordHasher(maxConcurrent: auth.maxConcurrentPasswordHashes, maxQueued: auth.maxQueuedPasswordHashes)
        let sessions = SessionService(auth: authRepository, database: database, users: UsersRepository(),
                                      audit: AuditRecorder(), configuration: auth, hasher: hasher)
        // One listener for the caches and the deployer: identity changes, and configuration
        // changes and deploy requests (handled on its thread as they are read, see ListCache
        // and DeployerWakeups).
        let deployerWakeups = DeployerWakeups()
        let changes = PostgresListener(connectionString: configuration.appDatabaseURL ?? configuration.databaseURL,
                                       channels: [IdentityCache.channel] + DeployerWakeups.channels,
                                       logger: logger) { notification in
            guard notification.channel != IdentityCache.channel else { return false }
            if notification.channel == ListCache.channel { listPages.changed(notification.payload) }
            deployerWakeups.note(notification)
            return true
        }
        listPages.listen(to: changes)
        self.changes = changes
        let identities = IdentityCache(listener: changes, ttl: auth.identityCacheTTL)
        self.identities = identities
        let v1 = router.group("/api/v1", middleware: [RequestStringsMiddleware(),
                                                      AuthenticationMiddleware(repository: authRepository, configuration: auth, cache: identities)])
        let usersService = UsersService(database: database, users: UsersRepository(), audit: AuditRecorder(), hasher: hasher)
        v1.mount(SessionRoutes(service: sessions, users: usersService))
        v1.mount(TenantsRoutes(service: TenantsService(database: database, tenants: TenantsRepository(), audit: AuditRecorder()),
                               tenants: TenantsRepository(), database: database))
        let tenants = v1.group("/tenants/{tenantId}")
        tenants.mount(UsersRoutes(service: usersService, tenants: TenantsRepository(), database: database))
        tenants.mount(StorageRoutes(storage: StorageRepository(), tenants: TenantsRepository(), database: database))
        tenants.mount(AuditRoutes(audit: AuditRepository(), tenants: TenantsRepository(), database: database))
        tenants.mount(IntervalsRoutes(service: IntervalsService(database: database, intervals: IntervalsRepository(), users: UsersRepository(),
                                                                tenants: TenantsRepository(), rules: RulesRepository(), audit: AuditRecorder(),
                                                                pages: listPages),
                                      tenants: TenantsRepository(), database: database))
        let extensionsService = ExtensionsService(database: database, extensions: ExtensionsRepository(), users: UsersRepository(), audit: AuditRecorder(),
                                                  sip: .init(realm: configuration.sipRealm, server: configuration.sipServer), pages: listPages)
        tenants.mount(ExtensionsRoutes(service: extensionsService, tenants: TenantsRepository(), database: database))
        let extensionAccess = ExtensionAccess(extensions: ExtensionsRepository(), sipServer: configuration.sipServer)
        tenants.mount(VoicemailSettingsRoutes(settings: VoicemailSettingsRepository(), access: extensionAccess, users: UsersRepository(),
                                              tenants: TenantsRepository(), database: database, audit: AuditRecorder()))
        tenants.mount(RecordingSettingsRoutes(settings: RecordingSettingsRepository(), access: extensionAccess,
                                              tenants: TenantsRepository(), database: database, audit: AuditRecorder()))
        tenants.mount(RulesRoutes(service: RulesService(database: database, rules: RulesRepository(), intervals: IntervalsRepository(),
                                                        access: extensionAccess, destinations: DestinationChecker(), audit: AuditRecorder()),
                                  tenants: TenantsRepository(), database: database))
        tenants.mount(ExtensionGroupsRoutes(groups: ExtensionGroupsRepository(), extensions: ExtensionsRepository(), tenants: TenantsRepository(),
                                            database: database, audit: AuditRecorder()))
        tenants.mount(NumbersRoutes(numbers: NumbersRepository(), destinations: DestinationChecker(), tenants: TenantsRepository(),
                                    database: database, audit: AuditRecorder()))
        tenants.mount(APIKeysRoutes(keys: APIKeysRepository(), tenants: TenantsRepository(), database: database, audit: AuditRecorder()))
        let compileOptions = CompileOptions(sipRealm: configuration.sipRealm, trunk: configuration.trunk)
        let deployments = DeploymentService(database: database, repository: DeploymentsRepository(), snapshots: SnapshotRepository(), options: compileOptions)
        tenants.mount(CallPlanRoutes(snapshots: SnapshotRepository(), tenants: TenantsRepository(), database: database, options: compileOptions))
        tenants.mount(DeploymentsRoutes(service: deployments, repository: DeploymentsRepository(), tenants: TenantsRepository(), database: database,
                                        audit: AuditRecorder()))
        let commander = NodeCommander(database: database, repository: DeploymentsRepository(), timeout: configuration.deployer.requestTimeout,
                                      logger: logger)
        tenants.mount(QueuesRoutes(service: QueuesService(database: database, queues: QueuesRepository(), extensions: extensionsService,
                                                          references: ReferenceChecker(), audit: AuditRecorder()),
                                   tenants: TenantsRepository(), database: database))
        tenants.mount(QueueAgentsRoutes(service: QueueAgentsService(database: database, agents: QueueAgentsRepository(), queues: QueuesRepository(),
                                                                    commander: commander, audit: AuditRecorder()),
                                        tenants: TenantsRepository(), database: database))
        tenants.mount(IVRRoutes(service: IVRService(database: database, contexts: IVRContextsRepository(), references: ReferenceChecker(),
                                                    audit: AuditRecorder()),
                                tenants: TenantsRepository(), database: database))
        tenants.mount(CallFlowsRoutes(flows: CallFlowsRepository(), references: ReferenceChecker(), tenants: TenantsRepository(),
                                      database: database, audit: AuditRecorder()))
        tenants.mount(SoundsRoutes(tenants: TenantsRepository(), database: database))
        v1.mount(MediaNodesRoutes(repository: DeploymentsRepository(), database: database))
        let mailer = Mailer(database: background, settings: configuration.mail, logger: logger)
        self.mailer = mailer
        api.mount(EventsRoutes(events: EventsRepository(), deployments: DeploymentsRepository(), database: database, replays: ReplayGuard(),
                               mailer: mailer))
        deployer = configuration.deployerEnabled
            // The leader's lock needs no rights: it logs in as the pool does.
            ? Deployer(connectionString: configuration.appDatabaseURL ?? configuration.databaseURL, database: background,
                       service: DeploymentService(database: background, repository: DeploymentsRepository(), snapshots: SnapshotRepository(),
                                                  options: compileOptions),
                       settings: configuration.deployer, wakeups: deployerWakeups, logger: logger)
            : nil
        api.mount(StaticFilesRoutes(publicDirectory: configuration.publicDirectory, resourcesDirectory: configuration.resourcesDirectory))

        var httpConfiguration = serverConfiguration ?? HTTPServerConfiguration()
        httpConfiguration.host = configuration.host
        httpConfiguration.port = configuration.port
        let renderer = ProblemRenderer()
        let accessLog = AccessLog(logger: logger, metrics: HTTPMetrics(registry: metrics))
        let server = HTTPServer(
            configuration: httpConfiguration, router: router,
            middleware: [AccessLogMiddleware(accessLog: accessLog, renderer: renderer), CompressionMiddleware(),
                         DatabaseErrorMiddleware(logger: logger)],
            renderer: renderer, logger: logger, accessLog: accessLog)
        self.server = server
        metrics.addCollector { [weak server] in
            let stats = pool.statistics
            let pages = listPages.statistics
            return [
                ("http_open_connections", "Open client connections.", [:], Double(server?.openConnections ?? 0)),
                ("db_pool_connections", "Database pool connections by state.", ["state": "in_use"], Double(stats.inUse)),
                ("db_pool_connections", "Database pool connections by state.", ["state": "idle"], Double(stats.idle)),
                ("db_pool_waiting", "Requests waiting for a database connection.", [:], Double(stats.waiting)),
                ("db_round_trips_total", "Database round trips by where they were awaited.", ["on": "event_loop"], Double(stats.waitsOnLoop)),
                ("db_round_trips_total", "Database round trips by where they were awaited.", ["on": "connection_thread"],
                 Double(stats.waitsOnConnectionThread)),
                ("list_cache_lookups_total", "List pages looked up in the revision cache, by result.", ["result": "hit"],
                 Double(pages.hits)),
                ("list_cache_lookups_total", "List pages looked up in the revision cache, by result.", ["result": "checked_hit"],
                 Double(pages.checkedHits)),
                ("list_cache_lookups_total", "List pages looked up in the revision cache, by result.", ["result": "miss"],
                 Double(pages.misses)),
                ("list_cache_bytes", "Bytes the revision cache of list pages holds.", [:], Double(pages.bytes)),
                ("db_combined_write_transactions_total", "Transactions that carried combined writes.", [:],
                 Double(combiner?.statistics.batches ?? 0)),
                ("db_combined_writes_total", "Writes committed through the write combiner.", [:], Double(combiner?.statistics.writes ?? 0)),
                ("db_background_pool_connections", "Background (deployer, mailer) pool connections in use.", [:],
                 Double(backgroundPool.statistics.inUse)),
            ]
        }
    }

    /// Refuses to serve a database that is behind (or ahead of) the migrations on disk. Runs
    /// as the connecting (owner) role: before the migrations ran, the portal's role may not exist.
    public func checkSchema() async throws {
        let runner = try MigrationRunner(directory: configuration.migrationsDirectory, logger: logger)
        let owner = PostgresPool(.init(connectionString: configuration.databaseURL, maxConnections: 1), logger: logger)
        defer { owner.shutdown() }
        let pending = try await runner.pending(on: owner)
        if !pending.isEmpty {
            throw MigrationError(description: "the database is \(pending.count) migration(s) behind (next: \(pending[0].version)_\(pending[0].name)); run `centralita migrate` first")
        }
    }

    public func start() throws {
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        try server.start()
        deployer?.start()
        mailer.start()
        let changes = changes
        Task { await changes.start() }
        identities.start(listening: false)
    }

    public func shutdown() async {
        await deployer?.stop()
        await mailer.stop()
        await server.shutdown()
        identities.stop()
        changes.stop()
        pool.shutdown()
        backgroundPool.shutdown()
    }
}
