import Dialplan
import Foundation
import Testing
import TestSupport

/// A named scenario for the conformance suite.
struct ConformanceCase: Sendable, CustomTestStringConvertible {
    let name: String
    let snapshot: TenantSnapshot
    let scenario: Scenario
    /// Queue agents get into their states with their phones' feature codes (`*45`, `*46`).
    var agentsByPhone = false
    var testDescription: String { name }

    /// Plays the scenario on Asterisk and holds the path against the simulator's.
    func check() async throws {
        let run = CallRun(snapshot: snapshot, scenario: scenario, agentsByPhone: agentsByPhone)
        let expected = ObservedCall.expected(Simulator(plan: run.plan).run(scenario))
        _ = try await run.play(expecting: expected)
    }
}

/// EXT-4 incoming-call rules on a real Asterisk: every rule kind and caller-ID condition, rule
/// order and continue, intervals, `*74N` states, phones that answer, ring, are busy or are not
/// registered, groups, cascades, external numbers and voicemail. Each call is placed for real
/// and the path Asterisk took must be the simulator's, step for step, outcome included.
@Suite(.enabled(if: Conformance.available, "no Asterisk 22 here (CENTRALITA_ASTERISK)"))
struct RuleScenarioTests {
    static let t = ConformanceTenants.self

    static func c(_ name: String, to: String, from: String = "+34600000001", at: Date = t.tuesdayMorning,
                  _ devices: [String: Scenario.Device] = [:], presses: [String]? = nil, toggles: [String: Bool]? = nil,
                  tenant: TenantSnapshot = t.rules) -> ConformanceCase {
        ConformanceCase(name: name, snapshot: tenant,
                        scenario: Scenario(to: to, from: from, at: at, devices: devices, toggles: toggles, presses: presses))
    }

    static let cases: [ConformanceCase] = [
        // Ana (+34910500001): hang-up for one caller, holidays to voicemail, office-hours cascade
        // that continues, busy to reception, then her own ring and voicemail.
        c("hang-up rule for a listed caller", to: "+34910500001", from: "+34600000666"),
        c("holiday transfer to voicemail", to: "+34910500001", at: t.christmas),
        c("office-hours cascade answered by its first phone", to: "+34910500001", ["2001": .answers]),
        c("office-hours cascade answered by a group member", to: "+34910500001", ["2002": .answers]),
        c("office-hours cascade answered by its external number", to: "+34910500001", ["+34699111222": .answers]),
        c("office-hours cascade nobody answers, voicemail after", to: "+34910500001"),
        c("cascade switched off with *743", to: "+34910500001", ["2001": .answers], toggles: ["2001/3": false]),
        c("evening call answered", to: "+34910500001", at: t.tuesdayNight, ["2001": .answers]),
        c("evening call to a busy phone goes to reception", to: "+34910500001", at: t.tuesdayNight, ["2001": .busy, "2003": .answers]),
        c("evening call to an unregistered phone", to: "+34910500001", at: t.tuesdayNight, ["2001": .unregistered]),
        c("Saturday call nobody answers", to: "+34910500001", at: t.saturday),
        // The Sales group (+34910500002).
        c("group answered by its second member", to: "+34910500002", ["2003": .answers]),
        c("group with nobody registered", to: "+34910500002", ["2002": .unregistered, "2003": .unregistered]),
        c("group busy and unregistered", to: "+34910500002", ["2002": .busy, "2003": .unregistered]),
        c("group nobody answers", to: "+34910500002"),
        // Straight to voicemail, and an external number.
        c("public number to voicemail", to: "+34910500003"),
        c("public number to an external number that answers", to: "+34910500004", ["+34600123456": .answers]),
        c("public number to an external number nobody answers", to: "+34910500004"),
        // Bruno (+34910500005): anonymous callers identify with a PIN; unanswered calls go out.
        c("anonymous caller with the right PIN", to: "+34910500005", from: "anonymous", ["2003": .answers], presses: ["4321"]),
        c("anonymous caller with three wrong PINs", to: "+34910500005", from: "anonymous", presses: ["1111", "2222", "3333"]),
        c("anonymous caller right on the second try", to: "+34910500005", from: "anonymous", ["2003": .answers], presses: ["0000", "4321"]),
        c("anonymous caller who keys nothing", to: "+34910500005", from: "anonymous", presses: ["", "", ""]),
        c("known caller, no answer, sent to an external number", to: "+34910500005"),
        c("known caller answered", to: "+34910500005", ["2002": .answers]),
        c("known caller, phone not registered", to: "+34910500005", ["2002": .unregistered]),
        // Darío (+34910500006): congestion for all but one caller; unregistered to voicemail.
        c("the one allowed caller is answered", to: "+34910500006", from: "+34911000000", ["2004": .answers]),
        c("any other caller gets congestion", to: "+34910500006", from: "+34600000002"),
        c("congestion switched off with *745", to: "+34910500006", from: "+34600000002", ["2004": .answers], toggles: ["2004/5": false]),
        c("allowed caller, phone unregistered, to voicemail", to: "+34910500006", from: "+34911000000", ["2004": .unregistered]),
        // Eva (+34910500007): busy tone for one caller; in office hours, busy goes to Darío.
        c("listed caller gets busy tone", to: "+34910500007", from: "+34611111111"),
        c("office hours, busy phone, sent on", to: "+34910500007", ["2005": .busy]),
        c("evening, busy phone", to: "+34910500007", at: t.tuesdayNight, ["2005": .busy]),
        c("office hours, nobody answers", to: "+34910500007"),
        // Fede (+34910500008): two phones ring together; unanswered to reception's voicemail.
        c("simultaneous ring answered by the second phone", to: "+34910500008", ["2005": .answers]),
        c("simultaneous ring nobody answers", to: "+34910500008"),
        c("simultaneous ring, one busy, one unregistered", to: "+34910500008", ["2006": .busy, "2005": .unregistered]),
        // A number with no destination, a loop, internal numbers.
        c("public number with no destination", to: "+34910500009"),
        c("two extensions transferring to each other", to: "+34910500010"),
        c("internal call answered", to: "2001", from: "2005", at: t.tuesdayNight, ["2001": .answers]),
        c("internal call to reception is recorded", to: "2003", from: "2005", ["2003": .answers]),
        c("internal call to reception, nobody answers", to: "2003", from: "2005"),
        c("internal anonymous call with the PIN", to: "2002", from: "anonymous", ["2003": .answers], presses: ["4321"]),
        // Intervals across the clock changes and at their ends (Asterisk runs at the instant).
        c("summer time: Monday 09:30 is office hours", to: "+34910500001", at: t.springMondayOpen, ["2001": .answers]),
        c("summer time: Monday 08:30 is not yet", to: "+34910500001", at: t.springMondayEarly, ["2001": .answers]),
        c("winter time: Monday 09:00 is office hours", to: "+34910500001", at: t.autumnMondayOpen, ["2001": .answers]),
        c("Friday 17:59 is still office hours", to: "+34910500001", at: t.fridayLastMinute, ["2002": .answers]),
        c("Friday 18:00 is closed", to: "+34910500001", at: t.fridayClosing, ["2002": .answers]),
        // A tenant switched off refuses every call.
        c("tenant off: a public number is refused", to: "+34910500001", tenant: t.rulesOff),
        c("tenant off: an internal number is refused", to: "2002", tenant: t.rulesOff),
    ]

    @Test(arguments: cases)
    func asteriskTakesTheSimulatorsPath(_ c: ConformanceCase) async throws {
        try await c.checkRetryingBench()
    }
}
