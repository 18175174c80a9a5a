import Dialplan
import Foundation
import Testing
import TestSupport

/// A named scenario for the conformance suite.
struct ConformanceCase: Sendable, CustomTestStringConvertible {
    let name: String
    let snapshot: TenantSnapshot
    let scenario: Scenario
    var testDescription: String { name }
}

/// EXT-4 incoming-call rules on a real Asterisk: each scenario's call is placed for real and
/// the path Asterisk took must be the simulator's, step for step, outcome included.
@Suite(.enabled(if: Conformance.available, "no Asterisk 22 here (CENTRALITA_ASTERISK)"))
struct RuleScenarioTests {
    static let t = ConformanceTenants.self

    static func c(_ name: String, to: String, from: String = "+34600000001", at: Date = t.tuesdayMorning,
                  devices: [String: Scenario.Device] = [:]) -> ConformanceCase {
        ConformanceCase(name: name, snapshot: t.rules, scenario: Scenario(to: to, from: from, at: at, devices: devices))
    }

    static let cases: [ConformanceCase] = [
        c("public number to an extension that answers", to: "+34910500005", devices: ["2002": .answers]),
        c("hang-up rule for a listed caller", to: "+34910500001", from: "+34600000666"),
        c("holiday transfer to voicemail", to: "+34910500001", at: t.christmas),
    ]

    @Test(arguments: cases)
    func asteriskTakesTheSimulatorsPath(_ c: ConformanceCase) async throws {
        let run = CallRun(snapshot: c.snapshot, scenario: c.scenario)
        let expected = ObservedCall.expected(Simulator(plan: run.plan).run(c.scenario))
        let observed = try await run.play()
        #expect(observed.steps == expected, "\(c.name)")
    }
}
