import Dialplan
import Foundation
import Telephony
import Testing

/// CALL-2 call flows on a real Asterisk: the caller's number rewritten with a prefix or a
/// suffix, the language set, an email notification raised, HTTP notification branches and
/// name lookups against a local web server, and public numbers straight to a queue.
@Suite(.enabled(if: Conformance.available, "no Asterisk 22 here (CENTRALITA_ASTERISK)"))
struct FlowScenarioTests {
    static let t = ConformanceTenants.self

    static func c(_ name: String, to: String, from: String = "+34600000001", _ devices: [String: Scenario.Device] = [:], presses: [String]? = nil,
                  webhooks: [String: String]? = nil, lookups: [String: String]? = nil) -> ConformanceCase {
        ConformanceCase(name: name, snapshot: t.menus,
                        scenario: Scenario(to: to, from: from, at: t.tuesdayMorning, devices: devices, presses: presses, webhooks: webhooks, lookups: lookups))
    }

    static let cases: [ConformanceCase] = [
        c("a prefix on the caller's number, then Ana answers", to: "+34910502001", ["4001": .answers]),
        c("a prefix, nobody answers", to: "+34910502001"),
        c("a prefix on an anonymous caller", to: "+34910502001", from: "anonymous", ["4001": .answers]),
        c("a prefix on a caller who sent a national number", to: "+34910502001", from: "600000002", ["4001": .answers]),
        c("a suffix and English, then Carla answers", to: "+34910502002", ["4003": .answers]),
        c("a suffix, Carla not registered", to: "+34910502002", ["4003": .unregistered]),
        c("Spanish, an email to the boss, a sound, voicemail", to: "+34910502003"),
        c("the CRM answers 1: the menu, where 1 rings Ana", to: "+34910502004", ["4001": .answers], presses: ["1"], webhooks: [t.flowHook: "1"]),
        c("the CRM answers 2: an external number that answers", to: "+34910502004", ["+34699000222": .answers], webhooks: [t.flowHook: "2"]),
        c("the CRM says nothing: the queue", to: "+34910502004", ["4001": .answers]),
        c("the CRM answers text: the queue, nobody answers", to: "+34910502004", webhooks: [t.flowHook: "busy"]),
        c("the caller's name looked up, Ana answers", to: "+34910502005", ["4001": .answers], lookups: [t.whoLookup: "Ana's client"]),
        c("no name found, Ana answers", to: "+34910502005", ["4001": .answers]),
        c("a public number straight to the queue", to: "+34910502006", ["4001": .answers]),
        c("a public number to the queue, the agent busy", to: "+34910502006", ["4001": .busy]),
        c("a CRM slower than its time limit: the default, Ana answers", to: "+34910502007", ["4001": .answers, "4002": .answers]),
    ]

    @Test(arguments: cases)
    func asteriskTakesTheSimulatorsPath(_ c: ConformanceCase) async throws {
        try await c.checkRetryingBench()
    }
}
