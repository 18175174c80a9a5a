import Dialplan
import Foundation
import Testing

/// Keys as a phone sends them: RFC 2833 telephone events in the caller's RTP (SIPp's recorded
/// events), not emulated by the harness. The menu must act on them as the simulator says.
@Suite(.enabled(if: Conformance.available, "no Asterisk 22 here (CENTRALITA_ASTERISK)"))
struct InBandKeyTests {
    static let cases: [(String, [String], [String: Scenario.Device])] = [
        ("1 by RFC 2833 rings the extension", ["1"], ["4001": .answers]),
        ("2 by RFC 2833 goes to the queue", ["2"], ["4001": .answers]),
    ]

    @Test(arguments: cases.map(\.0))
    func keysSentInBandDriveTheMenu(_ name: String) async throws {
        let (_, presses, devices) = try #require(Self.cases.first { $0.0 == name })
        let scenario = Scenario(to: MenuScenarioTests.ivr, from: "+34600000001", at: ConformanceTenants.tuesdayMorning, devices: devices, presses: presses)
        var run = CallRun(snapshot: ConformanceTenants.menus, scenario: scenario)
        run.keysInBand = true
        let expected = ObservedCall.expected(Simulator(plan: run.plan).run(scenario))
        // The harness sends no key of its own here: the path can only follow the caller's RTP.
        let call = try await run.play(expecting: expected)
        #expect(call.steps.contains("key \(presses[0])"), "\(call.steps)")
    }
}
