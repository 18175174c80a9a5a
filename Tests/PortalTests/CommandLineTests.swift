import HTTPServer
import Foundation
import Postgres
import Testing
import TestSupport

/// The `centralita` executable as an operator runs it.
@Suite struct CommandLineTests {
    static var executable: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("centralita").path
    }

    func run(_ arguments: [String]) async throws -> (code: Int32, output: String) {
        let process = try Shell.start(Self.executable, arguments)
        let code = try await process.wait()
        return (code, process.output)
    }

    @Test func serveRefusesADatabaseThatIsBehindThenMigrateFixesIt() async throws {
        let url = try await PostgresCluster.freshDatabase("cli")
        let refused = try await run(["serve", "--port", "0", "--database-url", url, "--data-dir", NSTemporaryDirectory() + "cli-data"])
        #expect(refused.code == 2)
        #expect(refused.output.contains("refusing to start"))
        #expect(refused.output.contains("centralita migrate"))

        let migrated = try await run(["migrate", "--database-url", url])
        #expect(migrated.code == 0, "\(migrated.output)")
        #expect(migrated.output.contains("applied"))
        let again = try await run(["migrate", "--database-url", url])
        #expect(again.output.contains("up to date"))
    }

    @Test func serveAnswersAndStopsCleanlyOnSIGTERM() async throws {
        let url = try await PostgresCluster.freshDatabase("cli_serve")
        _ = try await run(["migrate", "--database-url", url])
        let server = try Shell.start(Self.executable, ["serve", "--port", "0", "--database-url", url,
                                                        "--data-dir", NSTemporaryDirectory() + "cli-serve-data"])
        let log = try await server.waitForOutput(containing: "\"msg\":\"serving\"")
        let port = try #require(log.firstMatch(of: /"url":"http:\/\/127\.0\.0\.1:(\d+)"/).flatMap { Int($0.1) })
        let client = try RawHTTPClient(port: port)
        try await client.send("GET /readyz HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try await client.readResponse().status == 200)
        server.signal(SIGTERM)
        #expect(try await server.wait() == 0)
        let output = server.output
        #expect(output.contains("\"msg\":\"request\""), "one JSON access-log line per request")
        #expect(output.contains("shutting down"))
    }

    @Test func serveHelpListsEveryOptionWithItsEnvironmentVariable() async throws {
        let help = try await run(["serve", "--help"])
        for text in ["--host", "CENTRALITA_HOST", "--port", "CENTRALITA_PORT", "--database-url", "DATABASE_URL",
                     "--data-dir", "CENTRALITA_DATA_DIR", "--log-level", "CENTRALITA_LOG_LEVEL"] {
            #expect(help.output.contains(text), "\(text)")
        }
    }
}

/// `centralita tenant create` and `centralita user create`, as the platform operator runs them.
@Suite struct OperatorCommandTests {
    func run(_ arguments: [String], stdin: String? = nil) async throws -> (code: Int32, output: String) {
        if let stdin {
            let process = try Shell.start("/bin/bash", ["-c", "printf '%s\\n' \"$0\" | \"$1\" \"${@:2}\"", stdin, CommandLineTests.executable] + arguments)
            let code = try await process.wait()
            return (code, process.output)
        }
        let process = try Shell.start(CommandLineTests.executable, arguments)
        let code = try await process.wait()
        return (code, process.output)
    }

    func migratedDatabase() async throws -> String {
        let url = try await PostgresCluster.freshDatabase("cli_admin")
        let owner = PostgresPool(.init(connectionString: url, maxConnections: 1))
        defer { owner.shutdown() }
        try await MigrationRunner(directory: LivePortal.home + "/Migrations", logger: testLogger()).migrate(on: owner)
        return url
    }

    func lastLine(_ text: String) -> String {
        text.split(separator: "\n").last.map(String.init) ?? ""
    }

    @Test func tenantAndUsersAreCreatedAndTheirIDsPrintedLast() async throws {
        let url = try await migratedDatabase()
        let tenant = try await run(["tenant", "create", "--name", "Acme Telecom", "--alias", "acme", "--database-url", url])
        #expect(tenant.code == 0, "\(tenant.output)")
        let tenantID = lastLine(tenant.output)
        #expect(UUID(uuidString: tenantID) != nil)

        let generated = try await run(["user", "create", "--tenant", tenantID, "--role", "admin", "--username", "ana.admin", "--database-url", url])
        #expect(generated.code == 0, "\(generated.output)")
        #expect(UUID(uuidString: lastLine(generated.output)) != nil)
        let password = try #require(generated.output.firstMatch(of: /password: (\S+)/).map { String($0.1) })
        #expect(password.count >= 10)
        #expect(generated.output.contains("sign in as: ana.admin@acme"), "tenant users are told to name their tenant")

        let given = try await run(["user", "create", "--tenant", tenantID, "--role", "member", "--username", "bo.member",
                                   "--password-stdin", "--json", "--database-url", url], stdin: "a long enough secret")
        #expect(given.code == 0, "\(given.output)")
        #expect(!given.output.contains("password:"))
        #expect(given.output.contains(#""username":"bo.member""#))
        #expect(given.output.contains(#""tenantId":"\#(tenantID)""#))

        let op = try await run(["user", "create", "--operator", "--username", "root.operator", "--database-url", url])
        #expect(op.code == 0, "\(op.output)")
        #expect(op.output.contains("sign in as: root.operator\n"))

        let owner = PostgresPool(.init(connectionString: url, maxConnections: 1))
        defer { owner.shutdown() }
        let stored = try await owner.query("SELECT password_hash FROM users WHERE username = 'bo.member'").first?.decode(String.self, "password_hash")
        #expect(stored?.hasPrefix("scrypt$") == true)
        #expect(stored?.contains("a long enough secret") == false)
    }

    @Test func badInputIsRefusedFieldByField() async throws {
        let url = try await migratedDatabase()
        let weak = try await run(["user", "create", "--operator", "--username", "weak.op", "--password-stdin", "--database-url", url], stdin: "short")
        #expect(weak.code == 1)
        #expect(weak.output.contains("password: must have at least 10 characters"))
        let bothKinds = try await run(["user", "create", "--operator", "--tenant", UUID().uuidString, "--role", "admin", "--username", "x.y.z",
                                       "--database-url", url])
        #expect(bothKinds.code != 0)
        let missingTenant = try await run(["user", "create", "--tenant", UUID().uuidString, "--role", "admin", "--username", "nobody.here",
                                           "--database-url", url])
        #expect(missingTenant.code == 1)
        #expect(missingTenant.output.contains("There is no tenant"))
        let badZone = try await run(["tenant", "create", "--name", "Zone", "--timezone", "Mars/Olympus", "--database-url", url])
        #expect(badZone.code == 1)
        #expect(badZone.output.contains("timezone"))
        _ = try await run(["user", "create", "--operator", "--username", "dup.op", "--database-url", url])
        let duplicate = try await run(["user", "create", "--operator", "--username", "DUP.op", "--database-url", url])
        #expect(duplicate.code == 1)
        #expect(duplicate.output.contains("username: is already in use"), "\(duplicate.output)")
    }
}
