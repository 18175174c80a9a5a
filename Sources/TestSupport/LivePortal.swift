public import Foundation
public import HTTPServer
public import Portal
public import Postgres

/// A migrated database, a running portal on a free port and an owner pool for setting up
/// data, for tests of the API. `stop()` shuts it all down; `withLivePortal` does it for you.
public final class LivePortal: Sendable {
    public let app: PortalApplication
    /// Connected as the database owner (no row-level security), for fixtures and checks.
    public let owner: PostgresPool
    public let databaseURL: String
    public var port: Int { app.server.port }

    public static var home: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }

    /// - Parameter deployer: run the background deployer (off unless a test deploys: it holds
    ///   two database connections of its own and polls).
    ///   - cluster: where the database goes (a cluster of the test's own, for tests that stop and
    ///     start PostgreSQL); the shared cluster when nil.
    ///   - configure: last changes to the configuration (an SMTP relay, say).
    public static func start(auth: AuthConfiguration = AuthConfiguration(), label: String = "portal", deployer: Bool = false,
                             cluster: PostgresCluster? = nil,
                             configure: (inout PortalConfiguration) -> Void = { _ in }) async throws -> LivePortal {
        let url = if let cluster { try await cluster.createDatabase(label) } else { try await PostgresCluster.freshDatabase(label) }
        let owner = PostgresPool(.init(connectionString: url, maxConnections: 4))
        try await MigrationRunner(directory: home + "/Migrations", logger: testLogger()).migrate(on: owner)
        var configuration = PortalConfiguration(port: 0, databaseURL: url,
                                                dataDirectory: NSTemporaryDirectory() + "portal-\(UUID().uuidString)",
                                                logLevel: .critical, databaseConnections: 6, home: home)
        // Quick retries so tests of a node coming back do not wait long.
        configuration.deployer.firstRetry = 0.2
        configuration.deployer.maximumRetry = 1
        configuration.deployer.poll = .milliseconds(100)
        // The portal's pool logs in as centralita_app, as production should (trust auth here).
        configuration.appDatabaseURL = url.replacingOccurrences(of: "postgresql://postgres@", with: "postgresql://centralita_app@")
        configuration.deployerEnabled = deployer
        configuration.mail.poll = .milliseconds(100)
        configuration.mail.firstRetry = 0.2
        configure(&configuration)
        let app = try PortalApplication(configuration: configuration, logger: testLogger("portal"), auth: auth)
        try app.start()
        return LivePortal(app: app, owner: owner, databaseURL: url)
    }

    private init(app: PortalApplication, owner: PostgresPool, databaseURL: String) {
        self.app = app
        self.owner = owner
        self.databaseURL = databaseURL
    }

    public func stop() async {
        await app.shutdown()
        owner.shutdown()
    }

    public var administration: PlatformAdministration { PlatformAdministration(pool: owner) }

    /// A new tenant's ID; `alias` is what its users type as their organisation when signing in.
    public func createTenant(_ name: String = "Tenant \(UUID().uuidString.prefix(6))", alias: String? = nil) async throws -> String {
        try await administration.createTenant(name: name, alias: alias, timezone: "Europe/Madrid", language: "es", contactEmail: nil).id
    }

    /// A new user (username made unique) with the given password; returns ID and username.
    public func createUser(tenant: String?, role: String, password: String = "correct-horse-battery",
                           username: String? = nil) async throws -> (id: String, username: String) {
        let name = username ?? "\(role)-\(UUID().uuidString.prefix(8).lowercased())"
        let created = try await administration.createUser(tenantID: tenant.flatMap(UUID.init(uuidString:)), role: role, username: name,
                                                          password: password, firstName: "Test", lastName: role.capitalized, email: nil)
        return (created.id, created.username)
    }

    /// A client signed in as a new user of `tenant` with `role`, and that user's ID.
    public func signedIn(tenant: String, role: String = "admin") async throws -> (client: APIClient, id: String) {
        let user = try await createUser(tenant: tenant, role: role)
        let client = try client()
        let response = try await client.signIn(user.username)
        guard response.status == 200 else { throw SignInFailed(status: response.status, body: response.bodyText) }
        return (client, user.id)
    }

    public struct SignInFailed: Error { public let status: Int; public let body: String }

    /// Another portal on the same database, as behind a balancer (its own port and data
    /// directory), started; the caller shuts it down.
    public func startSecondPortal() throws -> PortalApplication {
        var configuration = app.configuration
        configuration.port = 0
        configuration.dataDirectory = NSTemporaryDirectory() + "portal-\(UUID().uuidString)"
        let second = try PortalApplication(configuration: configuration, logger: testLogger("second"))
        try second.start()
        return second
    }

    /// A new client connection to the portal.
    public func client() throws -> APIClient { try APIClient(port: port) }
}

/// Runs `body` against a fresh live portal and stops it afterwards, also when `body` throws.
public func withLivePortal<T: Sendable>(auth: AuthConfiguration = AuthConfiguration(), label: String = "portal", deployer: Bool = false,
                                        cluster: PostgresCluster? = nil,
                                        configure: (inout PortalConfiguration) -> Void = { _ in },
                                        _ body: (LivePortal) async throws -> T) async throws -> T {
    let portal = try await LivePortal.start(auth: auth, label: label, deployer: deployer, cluster: cluster, configure: configure)
    do {
        let result = try await body(portal)
        await portal.stop()
        return result
    } catch {
        await portal.stop()
        throw error
    }
}

/// JSON requests over one keep-alive connection, remembering the session cookie and CSRF
/// token like a browser would.
public final class APIClient: @unchecked Sendable {
    private let raw: RawHTTPClient
    public var cookie: String?
    public var csrfToken: String?
    public var bearer: String?

    /// The receive timeout only guards against a hung test: with every suite running at once on
    /// two cores, password hashing queues up and a sign-in can take tens of seconds.
    public init(port: Int) throws { raw = try RawHTTPClient(port: port, receiveTimeout: 120) }

    @discardableResult
    public func request(_ method: String, _ path: String, json: String? = nil, headers: [String: String] = [:],
                        withCSRF: Bool = true) async throws -> RawResponse {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: test\r\n"
        if let cookie { head += "Cookie: centralita_session=\(cookie)\r\n" }
        if let bearer { head += "Authorization: Bearer \(bearer)\r\n" }
        if withCSRF, let csrfToken, method != "GET" { head += "X-CSRF-Token: \(csrfToken)\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        let body = Array((json ?? "").utf8)
        if json != nil { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        try await raw.send(Array((head + "\r\n").utf8) + body)
        let response = try await raw.readResponse(bodyless: method == "HEAD")
        if let setCookie = response.headers["Set-Cookie"], setCookie.hasPrefix("centralita_session=") {
            let value = setCookie.dropFirst("centralita_session=".count).prefix { $0 != ";" }
            cookie = value.isEmpty ? nil : String(value)
        }
        return response
    }

    /// Signs in, naming the tenant (its alias or ID) when given; on success keeps the cookie
    /// and CSRF token.
    @discardableResult
    public func signIn(_ username: String, _ password: String = "correct-horse-battery", tenant: String? = nil) async throws -> RawResponse {
        let named = tenant.map { #""tenant":"\#($0)","# } ?? ""
        let response = try await request("POST", "/api/v1/session", json: #"{\#(named)"username":"\#(username)","password":"\#(password)"}"#)
        if response.status == 200, let body = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] {
            csrfToken = body["csrfToken"] as? String
        }
        return response
    }
}
