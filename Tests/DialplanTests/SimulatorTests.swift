import Foundation
import Testing
@testable import Dialplan

/// Calls through the rich tenant: every rule kind × caller-ID match × inside/outside the
/// interval × device states, each with the outcome a caller would notice.
@Suite struct SimulatorTests {
    typealias Case = TraceCase

    static let weekday = Fixtures.madrid("2026-11-24 10:30")      // Tuesday, office hours
    static let evening = Fixtures.madrid("2026-11-24 20:00")      // Tuesday, after hours
    static let christmas = Fixtures.madrid("2026-12-25 11:00")    // Friday, holiday

    static func s(_ to: String, from: String = "+34655000000", at: Date = weekday, _ devices: [String: Scenario.Device] = [:],
                  keys: String = "", toggles: [String: Bool]? = nil) -> Scenario {
        Scenario(to: to, from: from, at: at, devices: devices, keys: keys, toggles: toggles)
    }

    static let cases: [Case] = [
        // Extension 1001: hangup for a blocked caller, Christmas → voicemail, cascade in office hours, busy → 1003.
        Case(name: "blocked caller is hung up", scenario: s("1001", from: "+34600000666"), outcome: "hangup", applied: [1]),
        Case(name: "blocked caller is hung up even at Christmas", scenario: s("1001", from: "+34600000666", at: christmas), outcome: "hangup", applied: [1]),
        Case(name: "Christmas goes to voicemail", scenario: s("1001", at: christmas, ["1001": .answers]), outcome: "voicemail", ext: "1001", applied: [2]),
        Case(name: "office hours: Ana answers the cascade", scenario: s("1001", ["1001": .answers]), outcome: "answered", ext: "1001", applied: [3]),
        Case(name: "office hours: Bruno answers 5 s later", scenario: s("1001", ["1002": .answers]), outcome: "answered", ext: "1002", applied: [3]),
        Case(name: "office hours: the mobile answers", scenario: s("1001", ["+34699111222": .answers]), outcome: "answered", number: "+34699111222", applied: [3]),
        Case(name: "office hours: nobody answers, voicemail", scenario: s("1001"), outcome: "voicemail", ext: "1001", applied: [3]),
        Case(name: "office hours: cascade switched off by *743, own phone rings", scenario: s("1001", ["1001": .answers], toggles: ["1001/3": false]),
             outcome: "answered", ext: "1001"),
        Case(name: "office hours, cascade off, nobody answers → voicemail", scenario: s("1001", toggles: ["1001/3": false]), outcome: "voicemail", ext: "1001"),
        Case(name: "after hours: own phone answers", scenario: s("1001", at: evening, ["1001": .answers]), outcome: "answered", ext: "1001"),
        Case(name: "after hours: unregistered → voicemail", scenario: s("1001", at: evening, ["1001": .unregistered]), outcome: "voicemail", ext: "1001"),
        Case(name: "after hours: busy → forwarded to reception", scenario: s("1001", at: evening, ["1001": .busy, "1003": .answers]),
             outcome: "answered", ext: "1003", applied: [4]),
        Case(name: "office hours and busy: unanswered cascade, then the busy rule", scenario: s("1001", ["1001": .busy, "1003": .unregistered]),
             outcome: "voicemail", ext: "1003", applied: [3, 4]),
        Case(name: "anonymous caller in office hours reaches the cascade", scenario: s("1001", from: "anonymous", ["1002": .answers]),
             outcome: "answered", ext: "1002", applied: [3]),
        // Extension 1002: identify for anonymous callers, transfer out when registered and unanswered.
        Case(name: "anonymous caller keys the right password", scenario: s("1002", from: "anonymous", ["1003": .answers], keys: "4321#"),
             outcome: "answered", ext: "1003", applied: [1]),
        Case(name: "anonymous caller gets it right the third time", scenario: s("1002", from: "anonymous", ["1003": .answers], keys: "1#2#4321#"),
             outcome: "answered", ext: "1003", applied: [1]),
        Case(name: "anonymous caller keys wrong passwords", scenario: s("1002", from: "anonymous", keys: "1#2#3#4321#"), outcome: "hangup", applied: [1]),
        Case(name: "anonymous caller keys nothing", scenario: s("1002", from: "anonymous"), outcome: "hangup", applied: [1]),
        Case(name: "known caller, Bruno answers", scenario: s("1002", ["1002": .answers]), outcome: "answered", ext: "1002", applied: [2]),
        Case(name: "known caller, no answer → external", scenario: s("1002", ["1002": .noAnswer]), outcome: "external", number: "+34911222333", applied: [2]),
        Case(name: "known caller, Bruno busy → busy tone", scenario: s("1002", ["1002": .busy]), outcome: "busy", applied: [2]),
        Case(name: "known caller, Bruno unregistered → own ring → hang up", scenario: s("1002", ["1002": .unregistered]), outcome: "hangup"),
        // Extension 1003: always recorded, voicemail.
        Case(name: "reception answers", scenario: s("1003", ["1003": .answers]), outcome: "answered", ext: "1003"),
        Case(name: "reception busy → busy greeting", scenario: s("1003", ["1003": .busy]), outcome: "voicemail", ext: "1003"),
        // Extension 1004: congestion unless the caller is headquarters, unregistered → voicemail of 1003.
        Case(name: "other caller gets congestion", scenario: s("1004"), outcome: "congestion", applied: [1]),
        Case(name: "headquarters passes and Darío answers", scenario: s("1004", from: "+34911000000", ["1004": .answers]), outcome: "answered", ext: "1004"),
        Case(name: "headquarters, Darío unregistered → reception voicemail", scenario: s("1004", from: "+34911000000", ["1004": .unregistered]),
             outcome: "voicemail", ext: "1003", applied: [2]),
        Case(name: "congestion rule toggled off", scenario: s("1004", ["1004": .answers], toggles: ["1004/5": false]), outcome: "answered", ext: "1004"),
        Case(name: "anonymous caller does not match headquarters", scenario: s("1004", from: "anonymous"), outcome: "congestion", applied: [1]),
        // Public numbers.
        Case(name: "main number reaches Ana's rules", scenario: s("+34910000001", ["1001": .answers]), outcome: "answered", ext: "1001", applied: [3]),
        Case(name: "sales number rings the group", scenario: s("+34910000002", ["1003": .answers]), outcome: "answered", ext: "1003"),
        Case(name: "sales group nobody answers", scenario: s("+34910000002"), outcome: "hangup"),
        Case(name: "sales group all busy", scenario: s("+34910000002", ["1002": .busy, "1003": .busy]), outcome: "busy"),
        Case(name: "voicemail number", scenario: s("+34910000003"), outcome: "voicemail", ext: "1003"),
        Case(name: "forwarded number", scenario: s("+34910000004"), outcome: "external", number: "+34600123456"),
        Case(name: "number without destination", scenario: s("+34910000005"), outcome: "notRouted"),
        Case(name: "unknown number", scenario: s("+34919999999"), outcome: "notRouted"),
    ]

    @Test(arguments: cases)
    func callTakesThePredictedPath(_ c: Case) {
        var c = c
        c.applied = c.applied ?? []
        c.check(Simulator(plan: DialplanCompiler.plan(Fixtures.rich)).run(c.scenario))
    }

    @Test func switchedOffTenantRejectsEveryCall() {
        var off = Fixtures.rich
        off.active = false
        let sim = Simulator(plan: DialplanCompiler.plan(off))
        #expect(sim.run(Self.s("+34910000001", ["1001": .answers])).outcome.kind == "rejected")
        #expect(sim.run(Self.s("1002", ["1002": .answers])).outcome.kind == "rejected")
    }

    @Test func reportedToggleStatesAreUsedWhenTheScenarioSaysNothing() {
        let sim = Simulator(plan: DialplanCompiler.plan(Fixtures.rich), reportedToggles: ["1004/5": false])
        #expect(sim.run(Self.s("1004", ["1004": .answers])).outcome.kind == "answered")
    }

    @Test func transfersGoingRoundInALoopAreCut() {
        var t = Fixtures.rich
        for i in t.extensions.indices where ["1001", "1002"].contains(t.extensions[i].number) {
            let other = t.extensions[i].number == "1001" ? Fixtures.bruno : Fixtures.ana
            t.extensions[i].rules = [.init(id: "x", position: 1, rule: Fixtures.rule(.transfer) {
                $0.destination = .extensionTarget(id: other); $0.extensionState = .any; $0.callState = .any
            })]
        }
        let trace = Simulator(plan: DialplanCompiler.plan(t)).run(Self.s("1001"))
        #expect(trace.outcome.kind == "loop")
        #expect(trace.events.filter { $0.kind == "route" }.count == Simulator.maximumTransfers)
    }

    @Test func sentencesFollowTheLanguage() {
        let plan = DialplanCompiler.plan(Fixtures.rich)
        let es = Simulator(plan: plan, language: "es").run(Self.s("1001", at: Self.evening))
        let en = Simulator(plan: plan, language: "en").run(Self.s("1001", at: Self.evening))
        #expect(es.events.contains { $0.sentence == "La regla 3 no se aplica: la hora está fuera de «Office hours»." })
        #expect(en.events.contains { $0.sentence == "Rule 3 does not apply: the time is outside “Office hours”." })
        #expect(es.outcome.kind == en.outcome.kind)
    }
}
