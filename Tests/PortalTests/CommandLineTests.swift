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
