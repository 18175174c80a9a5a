import Dialplan
import Foundation
import Telephony
import Testing

/// IVR-1…IVR-5 on a real Asterisk: the start, every option key, timeouts, invalid keys and
/// retries, direct dialling, goto between contexts, nested time routing at chosen instants,
/// HTTP notification branches answered by a local web server, and name lookups. Keys are sent
/// as DTMF when the menu waits for them.
@Suite(.enabled(if: Conformance.available, "no Asterisk 22 here (CENTRALITA_ASTERISK)"))
struct MenuScenarioTests {
    static let t = ConformanceTenants.self
    static let ivr = "+34910502000"

    static func c(_ name: String, to: String = ivr, from: String = "+34600000001", at: Date = t.tuesdayMorning, _ devices: [String: Scenario.Device] = [:],
                  presses: [String], webhooks: [String: String]? = nil, lookups: [String: String]? = nil) -> ConformanceCase {
        ConformanceCase(name: name, snapshot: t.menus,
                        scenario: Scenario(to: to, from: from, at: at, devices: devices, presses: presses, webhooks: webhooks, lookups: lookups))
    }

    static let cases: [ConformanceCase] = [
        c("1 rings an extension that answers", ["4001": .answers], presses: ["1"]),
        c("1 rings an extension nobody answers", presses: ["1"]),
        c("2 goes to the queue, where the agent answers", ["4001": .answers], presses: ["2"]),
        c("2 goes to the queue, nobody answers", presses: ["2"]),
        c("3 goes to the sales context and 1 comes back", ["4001": .answers], presses: ["3", "1", "1"]),
        c("4 leaves a voicemail", presses: ["4"]),
        c("5 dials an external number that answers", ["+34699000111": .answers], presses: ["5"]),
        c("6 plays a sound and comes back to the start", ["4001": .answers], presses: ["6", "1"]),
        c("7 listens to voicemail", presses: ["7"]),
        c("8 in office hours outside lunch rings Ana", ["4001": .answers], presses: ["8"]),
        c("8 at lunch plays a sound and rings Bruno", at: t.tuesdayLunch, ["4002": .answers], presses: ["8"]),
        c("8 at night goes to voicemail", at: t.tuesdayNight, presses: ["8"]),
        c("8 on Saturday goes to voicemail", at: t.saturday, presses: ["8"]),
        c("8 the Monday after the spring clock change, 09:30, rings Ana", at: t.afterSpringChange, ["4001": .answers], presses: ["8"]),
        c("8 the Monday after the spring clock change, 08:30, voicemail", at: t.afterSpringChangeEarly, presses: ["8"]),
        c("8 the Monday after the autumn clock change, 17:30, rings Ana", at: t.afterAutumnChange, ["4001": .answers], presses: ["8"]),
        c("8 the Monday after the autumn clock change, 18:30, voicemail", at: t.afterAutumnChangeLate, presses: ["8"]),
        c("9: the web server answers 1", ["4001": .answers], presses: ["9"], webhooks: [t.hook: "1"]),
        c("9: the web server answers 2", ["4002": .answers], presses: ["9"], webhooks: [t.hook: "2"]),
        c("9: the web server answers 3, hang up", presses: ["9"], webhooks: [t.hook: "3"]),
        c("9: a reply that is no branch plays the default and returns", ["4001": .answers], presses: ["9", "1"], webhooks: [t.hook: "ok"]),
        c("9: a branch number out of range takes the default", presses: ["9", "*"], webhooks: [t.hook: "5"]),
        c("9: no reply takes the default", presses: ["9", "*"]),
        c("0 goes to a call flow", ["4001": .answers], presses: ["0"]),
        c("* hangs up", presses: ["*"]),
        c("# rings the sales group", ["4003": .answers], presses: ["#"]),
        c("a timeout, then 1", ["4001": .answers], presses: ["", "1"]),
        c("timeouts until the menu gives up", presses: []),
        c("an unknown number is invalid, then 1", ["4001": .answers], presses: ["4999", "1"]),
        c("invalid numbers until the menu gives up", presses: ["4999", "4998", "4997"]),
        c("an invalid number, a timeout, then *", presses: ["4999", "", "*"]),
        c("direct dial to an extension that answers", ["4003": .answers], presses: ["4003"]),
        c("direct dial to an unregistered extension", ["4003": .unregistered], presses: ["4003"]),
        c("direct dial to the queue", ["4001": .answers], presses: ["6101"]),
        c("sales: the caller's name is looked up, then Ana answers", ["4001": .answers], presses: ["3", "2"], lookups: [t.nameLookup: "Acme Corp"]),
        c("sales: no name found, Ana answers", ["4001": .answers], presses: ["3", "2"]),
        c("sales: a missing sound plays nothing, then timeouts", presses: ["3", "3"]),
        c("sales: a key it has not is invalid, then timeout", presses: ["3", "9"]),
        c("an internal caller reaches the menu", to: "7001", from: "4003", ["4001": .answers], presses: ["1"]),
        c("an anonymous caller picks 1", from: "anonymous", ["4001": .answers], presses: ["1"]),
    ]

    @Test(arguments: cases)
    func asteriskTakesTheSimulatorsPath(_ c: ConformanceCase) async throws {
        try await c.checkRetryingBench()
    }
}
