import ArgumentParser
import Foundation
import HTTPServer
import Logging
import Portal
import Postgres

@main
struct Centralita: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "centralita",
        abstract: "Centralita: the multi-tenant hosted-PBX portal.",
        subcommands: [Serve.self, Migrate.self, TenantCommand.self, UserCommand.self, Compile.self, MediaNodeCommand.self]
    )
}

/// Options shared by every subcommand that talks to the database.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "libpq connection string or URL (env DATABASE_URL; default: the private cluster under .data/).")
    var databaseURL: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (env CENTRALITA_LOG_LEVEL; default info).")
    var logLevel: String?

    var environment: [String: String] { ProcessInfo.processInfo.environment }
    var home: String { PortalEnvironment.home() }
    var resolvedDatabaseURL: String { databaseURL ?? PortalEnvironment.databaseURL(home: home) }

    func makeLogger(_ label: String) throws -> Logger {
        let text = logLevel ?? environment["CENTRALITA_LOG_LEVEL"]
        guard let level = text.map({ PortalEnvironment.logLevel($0) }) ?? .info else {
            throw ValidationError("unknown log level \(text ?? "")")
        }
        LoggingSystem.bootstrap { JSONLogHandler(label: $0, level: level) }
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the API and the browser app.")

    @Option(help: "Address to listen on (env CENTRALITA_HOST; default 127.0.0.1; `::` for every address).")
    var host: String?

    @Option(help: "Port to listen on (env CENTRALITA_PORT; default 8080).")
    var port: Int?

    @Option(name: .customLong("data-dir"), help: "Directory for the portal's files (env CENTRALITA_DATA_DIR; default .data/portal).")
    var dataDirectory: String?

    @Option(name: .customLong("db-connections"), help: "Size of the database pool (env CENTRALITA_DB_CONNECTIONS; default 10).")
    var databaseConnections: Int?

    @Option(name: .customLong("list-cache-bytes"),
            help: "Bytes of list pages kept per configuration revision; 0 turns the cache off (env CENTRALITA_LIST_CACHE_BYTES; default 4 MiB).")
    var listCacheBytes: Int?

    @Flag(name: .customLong("list-cache-verify"),
          help: "Check the tenant's revision on every cached list read (one round trip) instead of trusting notifications (env CENTRALITA_LIST_CACHE_VERIFY=1).")
    var listCacheVerify = false

    @Flag(name: .customLong("secure-cookies"), help: "Mark the session cookie Secure (env CENTRALITA_SECURE_COOKIES=1; automatic behind a TLS proxy that sends X-Forwarded-Proto: https).")
    var secureCookies = false

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        // glibc gives threads that allocate at once heap arenas of their own (up to 8 per
        // core), each keeping what it freed. Four serve this server's threads: with two, the
        // event loops shared one and waited for each other's malloc and free (about 35,000
        // futex calls a second serving a cached list, 27k instead of 34k requests/s), and
        // peak RSS under the benchmark's load stays at 38 MB (docs/benchmarks.md).
        // MALLOC_ARENA_MAX in the environment wins.
        if ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"] == nil { _ = glibcMallopt(-8 /* M_ARENA_MAX */, 4) }
        // Fixed thresholds instead of glibc's sliding ones: a block of 64 KiB or more is mapped
        // and given back when freed, and a free top of heap over 128 KiB is returned. With the
        // sliding default, one sign-in's 32 MiB scrypt block raised the mapping threshold to
        // 32 MiB, and later big blocks stayed in the heap (a few MB of peak RSS under load).
        if ProcessInfo.processInfo.environment["GLIBC_TUNABLES"] == nil {
            _ = glibcMallopt(-3 /* M_MMAP_THRESHOLD */, 64 * 1024)
            _ = glibcMallopt(-1 /* M_TRIM_THRESHOLD */, 128 * 1024)
        }
        let env = database.environment
        let logger = try database.makeLogger("centralita")
        var auth = AuthConfiguration()
        auth.secureCookies = secureCookies || ["1", "true", "yes", "on"].contains(env["CENTRALITA_SECURE_COOKIES"]?.lowercased() ?? "")
        if let proxies = env["CENTRALITA_TRUSTED_PROXIES"] {
            auth.trustedProxies = Set(proxies.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        }
        let home = database.home
        guard let port = port ?? env["CENTRALITA_PORT"].map({ Int($0) }) ?? 8080 else {
            throw ValidationError("CENTRALITA_PORT must be a number")
        }
        let configuration = PortalConfiguration(
            host: host ?? env["CENTRALITA_HOST"] ?? "127.0.0.1",
            port: port,
            databaseURL: database.resolvedDatabaseURL,
            dataDirectory: dataDirectory ?? env["CENTRALITA_DATA_DIR"] ?? home + "/.data/portal",
            logLevel: logger.logLevel,
            databaseConnections: databaseConnections ?? env["CENTRALITA_DB_CONNECTIONS"].flatMap { Int($0) } ?? 10,
            home: home)
        var portalConfiguration = configuration
        if let url = env["CENTRALITA_APP_DATABASE_URL"], !url.isEmpty { portalConfiguration.appDatabaseURL = url }
        if let realm = env["CENTRALITA_SIP_REALM"], !realm.isEmpty { portalConfiguration.sipRealm = realm }
        if let server = env["CENTRALITA_SIP_SERVER"], !server.isEmpty { portalConfiguration.sipServer = server }
        if let bytes = listCacheBytes ?? env["CENTRALITA_LIST_CACHE_BYTES"].flatMap({ Int($0) }) {
            guard bytes >= 0 else { throw ValidationError("--list-cache-bytes must be 0 or more") }
            portalConfiguration.listCacheBytes = bytes
        }
        portalConfiguration.listCacheVerifiesRevision = listCacheVerify
            || ["1", "true", "yes", "on"].contains(env["CENTRALITA_LIST_CACHE_VERIFY"]?.lowercased() ?? "")
        if let trunk = env["CENTRALITA_TRUNK"], !trunk.isEmpty { portalConfiguration.trunk = trunk }
        if let host = env["CENTRALITA_SMTP_HOST"], !host.isEmpty { portalConfiguration.mail.smtpHost = host }
        if let port = env["CENTRALITA_SMTP_PORT"].flatMap(Int.init) { portalConfiguration.mail.smtpPort = port }
        if let from = env["CENTRALITA_MAIL_FROM"], !from.isEmpty { portalConfiguration.mail.from = from }
        let app = try PortalApplication(configuration: portalConfiguration, logger: logger, auth: auth)
        do {
            try await app.checkSchema()
        } catch {
            logger.critical("refusing to start", metadata: ["reason": "\(error)"])
            LogSink.standardOutput.flush()
            throw ExitCode(2)
        }
        try app.start()
        logger.notice("serving", metadata: ["url": "http://\(configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host):\(app.server.port)"])
        await Signals.waitForTermination()
        await app.shutdown()
        LogSink.standardOutput.flush()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations from Migrations/.")

    @Flag(help: "Only list pending migrations.")
    var status = false

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let logger = try database.makeLogger("centralita.migrate")
        defer { LogSink.standardOutput.flush() }
        let runner = try MigrationRunner(directory: database.home + "/Migrations", logger: logger)
        let pool = PostgresPool(.init(connectionString: database.resolvedDatabaseURL, maxConnections: 1), logger: logger)
        defer { pool.shutdown() }
        if status {
            let pending = try await runner.pending(on: pool)
            LogSink.standardOutput.flush()
            print(pending.isEmpty ? "up to date" : pending.map { "pending \($0.version)_\($0.name)" }.joined(separator: "\n"))
            return
        }
        let applied = try await runner.migrate(on: pool)
        LogSink.standardOutput.flush()
        print(applied.isEmpty ? "up to date" : "applied \(applied.count) migration(s), now at \(runner.migrations.last?.version ?? 0)")
    }
}

struct Compile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write a tenant's compiled Asterisk bundle to a folder, for inspection.")

    @Option(help: "The tenant's ID.") var tenant: String
    @Option(help: "Folder to write the files into (created if missing).") var out: String
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        _ = try database.makeLogger("centralita.compile")
        guard let id = UUID(uuidString: tenant) else { throw ValidationError("--tenant must be a tenant ID") }
        let env = database.environment
        let pool = PostgresPool(.init(connectionString: database.resolvedDatabaseURL, maxConnections: 1))
        defer { pool.shutdown() }
        let bundle = try await reportingProblems {
            try await PlatformAdministration(pool: pool).compile(tenantID: id, sipRealm: env["CENTRALITA_SIP_REALM"] ?? "centralita",
                                                                 trunk: env["CENTRALITA_TRUNK"] ?? "centralita-trunk")
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        for (path, bytes) in bundle.files.sorted(by: { $0.key < $1.key }) {
            try Data(bytes).write(to: URL(fileURLWithPath: out).appendingPathComponent(path))
            print("\(out)/\(path)")
        }
        print("tenant \(bundle.tenant), configuration revision \(bundle.revision)")
    }
}

struct MediaNodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "media-node", abstract: "Manage media nodes.", subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a media node (or update the one with this name) and assign tenants; prints its ID.")

        @Option(help: "A name for the node.") var name: String
        @Option(help: "The agent's address, e.g. http://10.0.0.5:8090.") var url: String
        @Option(name: .customLong("secret-file"), help: "File with the secret the agent also reads.") var secretFile: String
        @Option(name: .customLong("tenant"), help: "A tenant to serve from this node; repeatable.") var tenants: [String] = []
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            _ = try database.makeLogger("centralita.media-node")
            guard let data = FileManager.default.contents(atPath: secretFile) else { throw ValidationError("cannot read \(secretFile)") }
            let secret = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            let ids = try tenants.map { t -> UUID in
                guard let id = UUID(uuidString: t) else { throw ValidationError("--tenant must be a tenant ID: \(t)") }
                return id
            }
            let pool = PostgresPool(.init(connectionString: database.resolvedDatabaseURL, maxConnections: 1))
            defer { pool.shutdown() }
            let id = try await reportingProblems {
                try await PlatformAdministration(pool: pool).addMediaNode(name: name, url: url, secret: secret, tenants: ids)
            }
            print(id)
        }
    }
}

struct TenantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tenant", abstract: "Manage tenants.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a tenant; prints its ID alone on the last line.")

        @Option(help: "The company's name.") var name: String
        @Option(help: "A short unique alias (lowercase letters, digits, -).") var alias: String?
        @Option(help: "IANA time zone (default Europe/Madrid).") var timezone = "Europe/Madrid"
        @Option(help: "Default language: es or en (default es).") var language = "es"
        @Option(name: .customLong("contact-email"), help: "Where service notices go.") var contactEmail: String?
        @Flag(help: "Print the whole record as JSON before the ID.") var json = false
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            _ = try database.makeLogger("centralita.tenant")
            let pool = PostgresPool(.init(connectionString: database.resolvedDatabaseURL, maxConnections: 1))
            defer { pool.shutdown() }
            let created = try await reportingProblems {
                try await PlatformAdministration(pool: pool).createTenant(
                    name: name, alias: alias, timezone: timezone, language: language, contactEmail: contactEmail)
            }
            if json { print(created.json) }
            print(created.id)
        }
    }
}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user", abstract: "Manage users.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a platform operator or a tenant user; prints the ID alone on the last line.")

        @Flag(help: "Create a platform operator (no tenant).") var `operator` = false
        @Option(help: "The tenant's ID, for a tenant user.") var tenant: String?
        @Option(help: "admin or member (tenant users).") var role: String?
        @Option(help: "Unique in the tenant (among operators, for an operator).") var username: String
        @Flag(name: .customLong("password-stdin"), help: "Read the password from standard input (otherwise one is generated and printed).")
        var passwordStdin = false
        @Option(name: .customLong("first-name")) var firstName = ""
        @Option(name: .customLong("last-name")) var lastName = ""
        @Option var email: String?
        @Flag(help: "Print the whole record as JSON before the ID.") var json = false
        @OptionGroup var database: DatabaseOptions

        func validate() throws {
            if `operator` == (tenant != nil) { throw ValidationError("give either --operator or --tenant ID") }
            if tenant != nil && role == nil { throw ValidationError("--role admin|member is required with --tenant") }
        }

        func run() async throws {
            _ = try database.makeLogger("centralita.user")
            var tenantID: UUID?
            if let tenant {
                guard let id = UUID(uuidString: tenant) else { throw ValidationError("--tenant must be a tenant ID") }
                tenantID = id
            }
            var password: String?
            if passwordStdin {
                password = readLine(strippingNewline: true) ?? ""
            }
            let pool = PostgresPool(.init(connectionString: database.resolvedDatabaseURL, maxConnections: 1))
            defer { pool.shutdown() }
            let created = try await reportingProblems {
                try await PlatformAdministration(pool: pool).createUser(
                    tenantID: tenantID, role: `operator` ? "operator" : (role ?? ""), username: username, password: password,
                    firstName: firstName, lastName: lastName, email: email)
            }
            if json { print(created.json) }
            if let generated = created.generatedPassword { print("password: \(generated)") }
            print("sign in as: \(created.signInAs)")
            print(created.id)
        }
    }
}

/// Prints validation problems the way an operator reads them, field by field, and exits 1.
func reportingProblems<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as HTTPError {
        var message = error.detail
        for field in error.fieldErrors { message += "\n  \(field.field): \(field.message)" }
        FileHandleStandardError.write(message)
        throw ExitCode(1)
    } catch let error as PostgresError where error.isUniqueViolation {
        FileHandleStandardError.write("already exists: \(error.constraint ?? error.message)")
        throw ExitCode(1)
    }
}

enum FileHandleStandardError {
    static func write(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

/// glibc's `mallopt` (declared in malloc.h, which the Glibc module does not import).
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
