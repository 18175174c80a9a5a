import Foundation
import Testing
import TestSupport

/// The served OpenAPI document checked against the running portal by Schemathesis (issue 14):
/// generated requests, valid and invalid, for every operation, as four callers in turn — the
/// admin's API key, a member's browser session, a member's API key, a platform operator's
/// session — against a seeded tenant (`ContractFixture`). A run fails on any `5xx`, any
/// response the document does not describe (status, content type, headers or body) and any
/// invalid request the portal accepts; the failure carries Schemathesis's whole report.
/// Bounded by examples per operation (fuzzing; the coverage phase alone took over 10 minutes
/// of Python time), about 1.5 minutes in all.
/// Skipped only where Schemathesis is not installed and this is not CI (`CI=true`), where its
/// absence is a failure: `scripts/ensure-deps.sh --test` installs it.
@Suite struct SchemathesisTests {
    static let checks = "not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,"
        + "response_schema_conformance,negative_data_rejection"

    @Test(.enabled(if: Schemathesis.installed || Schemathesis.inCI, "Schemathesis is not installed (scripts/ensure-deps.sh --test)"),
          .timeLimit(.minutes(10)))
    func theServedContractHoldsForEveryOperation() async throws {
        try #require(Schemathesis.installed, "CI=true and Schemathesis is missing: scripts/ensure-deps.sh --test installs it")
        try await withLivePortal(label: "contract") { portal async throws in
            let fixture = try await ContractFixture.seed(portal)
            let base = "http://127.0.0.1:\(portal.port)"
            let callers: [(String, ContractFixture.Caller, Int)] = [
                ("admin API key", .apiKey(fixture.adminKey), 20),
                ("member session", .session(cookie: fixture.memberCookie, csrf: fixture.memberCSRF), 6),
                ("member API key", .apiKey(fixture.memberKey), 3),
                ("operator session", .session(cookie: fixture.operatorCookie, csrf: fixture.operatorCSRF), 6),
            ]
            for (role, caller, examples) in callers {
                let run = try await Schemathesis.run(schema: base + "/api/openapi.yaml", base: base,
                                                     configuration: fixture.configuration(as: caller), arguments: [
                    "--checks", Self.checks, "--max-examples", String(examples), "--seed", "14",
                    "--phases", "examples,fuzzing", "--workers", "2", "--request-timeout", "30",
                    "--suppress-health-check", "all", "--exclude-operation-id", "signOut",
                ])
                print("Schemathesis as \(role): exit \(run.status) in \(run.seconds) s\n\(run.summary)")
                #expect(run.status == 0, "Schemathesis as \(role) found problems:\n\(run.output)")
            }
        }
    }
}
