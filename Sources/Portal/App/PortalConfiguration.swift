public import Foundation
public import Logging

/// Everything the portal reads from its environment, with the same names as the flags of
/// `centralita serve`.
public struct PortalConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// libpq connection string or URL; the owner's, for migrations and the schema check.
    public var databaseURL: String
    /// Where the portal's own pool logs in, as `centralita_app` (`CENTRALITA_APP_DATABASE_URL`).
    /// Unset: the pool logs in with `databaseURL` and only `SET ROLE`s, which a `RESET ROLE`
    /// could undo, so production should set it.
    public var appDatabaseURL: String?
    /// Where the portal keeps files (audio, bundles); created if missing.
    public var dataDirectory: String
    public var logLevel: Logger.Level = .info
    public var databaseConnections = 10
    /// Bytes of encoded list pages kept per configuration revision (`ListCache`); 0 turns it off.
    public var listCacheBytes = 4 * 1024 * 1024
    /// Check the tenant's revision on every cached list read (one round trip) instead of
    /// trusting notifications: strict read-after-write across portals.
    public var listCacheVerifiesRevision = false
    /// Commit a tenant's concurrent extension edits together (`WriteCombiner`).
    public var combineWrites = true
    /// Size of the separate pool of the deployer and the mailer.
    public var backgroundDatabaseConnections = 3
    /// PostgreSQL's `statement_timeout` on the portal's connections.
    public var databaseStatementTimeout: Duration = .seconds(30)
    /// PostgreSQL's `idle_in_transaction_session_timeout` on the portal's connections.
    public var databaseIdleInTransactionTimeout: Duration = .seconds(60)
    /// The checkout (or install) directory holding `Migrations/`, `Public/` and `Resources/`.
    public var home: String
    /// The SIP digest realm of the media nodes (HA1 = MD5(username:realm:password)).
    public var sipRealm = "centralita"
    /// Where phones register, shown on each extension (until tenants have media nodes).
    public var sipServer = "127.0.0.1:5060"
    /// The PJSIP endpoint on the media nodes that reaches the public network.
    public var trunk = "centralita-trunk"
    /// Run the deployer in this process (one leader across processes is elected anyway).
    public var deployerEnabled = true
    public var deployer = Deployer.Settings()
    /// The SMTP relay for CALL-2 emails.
    public var mail = MailSettings()

    public init(host: String = "127.0.0.1", port: Int = 8080, databaseURL: String, dataDirectory: String,
                logLevel: Logger.Level = .info, databaseConnections: Int = 10, home: String) {
        self.host = host
        self.port = port
        self.databaseURL = databaseURL
        self.dataDirectory = dataDirectory
        self.logLevel = logLevel
        self.databaseConnections = databaseConnections
        self.home = home
    }

    public var migrationsDirectory: String { home + "/Migrations" }
    public var publicDirectory: String { home + "/Public" }
    public var resourcesDirectory: String { home + "/Resources" }
}

/// Finds the project's files and its private database without being told.
public enum PortalEnvironment {
    /// `CENTRALITA_HOME`, else the nearest directory at or above the working directory (then
    /// the executable) that holds `Migrations/`.
    public static func home(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let home = environment["CENTRALITA_HOME"], !home.isEmpty { return home }
        let starts = [FileManager.default.currentDirectoryPath,
                      URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent().path]
        for start in starts {
            var url = URL(fileURLWithPath: start)
            for _ in 0..<8 {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: url.appendingPathComponent("Migrations").path, isDirectory: &isDirectory), isDirectory.boolValue {
                    return url.path
                }
                url.deleteLastPathComponent()
            }
        }
        return FileManager.default.currentDirectoryPath
    }

    /// `DATABASE_URL`, else the private cluster that `make run` keeps under `.data/`.
    public static func databaseURL(home: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let url = environment["DATABASE_URL"], !url.isEmpty { return url }
        return privateDatabaseURL(home: home)
    }

    public static func privateDatabaseURL(home: String) -> String {
        "postgresql://centralita@/centralita?host=\(home)/.data/run&port=5432"
    }

    public static func logLevel(_ text: String?) -> Logger.Level? {
        guard let text else { return nil }
        return Logger.Level(rawValue: text.lowercased())
    }
}
