import Foundation
import PropertyTesting
import Telephony
import Testing
@testable import Dialplan

/// The simulator runs on what a tenant member sends (`POST …/simulate`): no scenario and no
/// stored configuration may trap it.
@Suite struct SimulatorHostileInputTests {
    static let ivr = "+34910000010"

    /// The contact-centre tenant with the main menu's start replaced by `start`.
    func plan(start: [MenuAction]) -> CallPlan {
        var t = Fixtures.contactCenter
        t.ivrs[0].contexts[0].options["start"] = start
        return DialplanCompiler.plan(t)
    }

    @Test func aNotificationWithNoBranchesAnsweredWithADigitTakesTheDefault() {
        let plan = plan(start: [.httpNotification(url: Fixtures.webhook, timeoutSeconds: 3, branches: [], otherwise: [.hangup])])
        for reply in ["1", "0", "9", "1abc"] {
            let trace = Simulator(plan: plan).run(Scenario(to: Self.ivr, at: Fixtures.madrid("2026-11-24 10:30"), webhooks: [Fixtures.webhook: reply]))
            #expect(trace.outcome.kind == "hangup", "reply \(reply)")
            #expect(trace.events.first { $0.kind == "webhook" }?.detail["branch"] == "default")
        }
    }

    @Test func anyReplyToAnyNumberOfBranchesIsSimulatedNotATrap() {
        forAll(iterations: 400) { g in
            let branches = (0..<Int(g.next() % 7)).map { _ in [MenuAction.hangup] }
            let plan = plan(start: [.httpNotification(url: Fixtures.webhook, timeoutSeconds: 3, branches: branches, otherwise: [])])
            let reply = Arbitrary.bool(&g) ? String(Int(g.next() % 12)) : Arbitrary.string(&g)
            _ = Simulator(plan: plan).run(Scenario(to: Self.ivr, at: Fixtures.madrid("2026-11-24 10:30"), webhooks: [Fixtures.webhook: reply]))
        }
    }

    @Test func anyScenarioIsSimulatedNotATrap() {
        let plan = DialplanCompiler.plan(Fixtures.contactCenter)
        let numbers = ["+34910000010", "+34910000011", "+34910000012", "1001", "1002", "2000", "3000", "", "*", "+", "\u{0}"]
        forAll(iterations: 400) { g in
            var devices: [String: Scenario.Device] = [:]
            for n in ["1001", "1002", "1003", "1004"] where Arbitrary.bool(&g) { devices[n] = Arbitrary.element(Scenario.Device.allCases, &g) }
            let scenario = Scenario(
                to: Arbitrary.bool(&g) ? Arbitrary.element(numbers, &g) : Arbitrary.string(&g),
                from: Arbitrary.bool(&g) ? "anonymous" : Arbitrary.string(&g),
                at: Date(timeIntervalSince1970: Double(g.next() % 4_000_000_000)), devices: devices, keys: Arbitrary.string(&g),
                presses: Arbitrary.bool(&g) ? (0..<Int(g.next() % 8)).map { _ in Arbitrary.string(&g) } : nil,
                webhooks: [Fixtures.webhook: Arbitrary.string(&g)], lookups: [Fixtures.lookup: Arbitrary.string(&g)],
                waiting: ["2000": Arbitrary.int(&g)])
            _ = Simulator(plan: plan).run(scenario)
        }
    }
}
