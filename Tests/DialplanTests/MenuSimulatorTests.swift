import Foundation
import Testing
import Telephony
@testable import Dialplan

/// Calls through the contact-centre tenant: IVR keys, timeouts and invalid keys, direct
/// dialling, time routing, webhook branches, caller-name lookups, queue outcomes and call flows.
@Suite struct MenuSimulatorTests {
    typealias Case = TraceCase

    static let weekday = Fixtures.madrid("2026-11-24 10:30")   // Tuesday, office hours
    static let evening = Fixtures.madrid("2026-11-24 20:00")   // Tuesday, after hours
    static let ivr = "+34910000010", queue = "+34910000011", flow = "+34910000012"

    static func s(_ to: String, at: Date = weekday, _ devices: [String: Scenario.Device] = [:], presses: [String]? = nil,
                  agents: [String: AgentState]? = nil, webhooks: [String: String]? = nil, lookups: [String: String]? = nil,
                  waiting: [String: Int]? = nil, lastAgent: [String: String]? = nil, from: String = "+34655000000") -> Scenario {
        Scenario(to: to, from: from, at: at, devices: devices, presses: presses, agents: agents, webhooks: webhooks, lookups: lookups,
                 waiting: waiting, lastAgent: lastAgent)
    }

    static let hook = Fixtures.webhook
    static let cases: [Case] = [
        // The main menu's keys.
        Case(name: "1 goes to the queue, where Ana answers", scenario: s(ivr, ["1001": .answers], presses: ["1"]),
             outcome: "answered", ext: "1001", path: ["menu", "key", "route", "queue", "queueRing"]),
        Case(name: "0 goes to Reception, who answers", scenario: s(ivr, ["1003": .answers], presses: ["0"]), outcome: "answered", ext: "1003",
             path: ["menu", "key", "transfer", "ring"]),
        Case(name: "0, Reception does not answer: its voicemail", scenario: s(ivr, presses: ["0"]), outcome: "voicemail", ext: "1003"),
        Case(name: "* lets the caller listen to a mailbox", scenario: s(ivr, presses: ["*"]), outcome: "voicemailMain"),
        Case(name: "2 then 1 rings the sales group, Bruno answers", scenario: s(ivr, ["1002": .answers], presses: ["2", "1"]),
             outcome: "answered", ext: "1002", path: ["menu", "key", "menu", "key", "ring"]),
        Case(name: "2 then 9 goes back to the main menu, then 0", scenario: s(ivr, ["1003": .answers], presses: ["2", "9", "0"]),
             outcome: "answered", ext: "1003", path: ["menu", "menu", "menu", "key"]),
        Case(name: "2 after hours: the sales menu sends to Reception's voicemail", scenario: s(ivr, at: evening, presses: ["2"]),
             outcome: "voicemail", ext: "1003", path: ["menu", "key", "menu", "voicemail"]),
        Case(name: "2 in office hours plays a sound and waits for a key", scenario: s(ivr, ["1002": .answers], presses: ["2", "1"]),
             outcome: "answered", ext: "1002", path: ["menu", "menu", "play", "key"]),
        // Timeouts and invalid keys.
        Case(name: "nothing pressed three times: goodbye", scenario: s(ivr, presses: []), outcome: "hangup", path: ["menu", "timeout", "timeout", "timeout"]),
        Case(name: "invalid key, then 0", scenario: s(ivr, ["1003": .answers], presses: ["7", "0"]), outcome: "answered", ext: "1003",
             path: ["invalid", "play", "key"]),
        Case(name: "three invalid keys: goodbye", scenario: s(ivr, presses: ["7", "8", "5"]), outcome: "hangup", path: ["invalid", "invalid", "invalid"]),
        Case(name: "a timeout then 1", scenario: s(ivr, ["1001": .answers], presses: ["", "1"]), outcome: "answered", ext: "1001",
             path: ["timeout", "key", "queue"]),
        Case(name: "the sales menu gives up after three timeouts", scenario: s(ivr, presses: ["2"]), outcome: "hangup",
             path: ["menu", "timeout", "timeout", "timeout"]),
        // Direct dialling from the main menu.
        Case(name: "dialling 1002 directly", scenario: s(ivr, ["1002": .answers], presses: ["1002"]), outcome: "answered", ext: "1002",
             path: ["menu", "directDial", "route"]),
        Case(name: "dialling an unknown number is invalid", scenario: s(ivr, presses: ["1999", "1999", "1999"]), outcome: "hangup", path: ["invalid"]),
        // The webhook in the main menu's start.
        Case(name: "webhook answering 1 sends straight to the queue", scenario: s(ivr, ["1001": .answers], webhooks: [hook: "1"]),
             outcome: "answered", ext: "1001", path: ["play", "webhook", "queue"]),
        Case(name: "webhook answering 3 (no such branch) takes the default: the menu", scenario: s(ivr, ["1003": .answers], presses: ["0"], webhooks: [hook: "3"]),
             outcome: "answered", ext: "1003", path: ["webhook", "key"]),
        Case(name: "webhook answering text takes the default", scenario: s(ivr, presses: [], webhooks: [hook: "ok"]), outcome: "hangup", path: ["webhook", "timeout"]),
        Case(name: "no webhook reply takes the default", scenario: s(ivr, ["1001": .answers], presses: ["1"]), outcome: "answered", ext: "1001", path: ["webhook", "key"]),
        // Queue outcomes.
        Case(name: "queue: Ana (logged in) answers", scenario: s(queue, ["1001": .answers]), outcome: "answered", ext: "1001", path: ["queue", "queueRing"]),
        Case(name: "queue: Bruno is paused, so his phone is not offered", scenario: s(queue, ["1002": .answers]), outcome: "voicemail", ext: "1003",
             path: ["queueRing", "queueTimeout", "voicemail"]),
        Case(name: "queue: Bruno resumed, at penalty 2, gets no call while Ana is free", scenario: s(queue, ["1002": .answers], agents: ["1002": .loggedIn]),
             outcome: "voicemail", ext: "1003", path: ["queueRing", "queueTimeout"]),
        Case(name: "queue: Bruno resumed takes the call while Ana is busy", scenario: s(queue, ["1001": .busy, "1002": .answers], agents: ["1002": .loggedIn]),
             outcome: "answered", ext: "1002"),
        Case(name: "queue: nobody logged in goes to the timeout destination at once", scenario: s(queue, ["1001": .answers], agents: ["1001": .loggedOut]),
             outcome: "voicemail", ext: "1003", path: ["queueEmpty", "voicemail"]),
        Case(name: "queue: the only agent unregistered counts as nobody", scenario: s(queue, ["1001": .unregistered]), outcome: "voicemail", ext: "1003",
             path: ["queueEmpty"]),
        Case(name: "queue: the only agent busy is waited for until the timeout", scenario: s(queue, ["1001": .busy]), outcome: "voicemail", ext: "1003",
             path: ["queueTimeout"]),
        Case(name: "queue: nobody answers within 120 s", scenario: s(queue), outcome: "voicemail", ext: "1003", path: ["queueRing", "queueTimeout"]),
        Case(name: "queue: full sends out to the overflow number", scenario: s(queue, ["1001": .answers], waiting: ["2000": 5]),
             outcome: "external", number: "+34911000999", path: ["queueFull", "external"]),
        Case(name: "queue: lower penalty is offered first", scenario: s(queue, ["1001": .answers, "1002": .answers], agents: ["1002": .loggedIn]),
             outcome: "answered", ext: "1001"),
        Case(name: "queue: a returning caller gets their last agent first", scenario: s(queue, ["1001": .answers, "1002": .answers],
             agents: ["1002": .loggedIn], lastAgent: ["2000": "1002"]), outcome: "answered", ext: "1002", path: ["stickyAgent"]),
        Case(name: "queue: a last agent who logged out is not tried", scenario: s(queue, ["1001": .answers, "1003": .answers],
             agents: ["1003": .loggedOut], lastAgent: ["2000": "1003"]), outcome: "answered", ext: "1001"),
        Case(name: "internal 2000 reaches the queue too", scenario: s("2000", ["1001": .answers], from: "1002"), outcome: "answered", ext: "1001"),
        // The call flow.
        Case(name: "flow: lookup, prefix, language, email, then the IVR", scenario: s(flow, ["1003": .answers], presses: ["0"],
             lookups: [Fixtures.lookup: "ACME Corp"]), outcome: "answered", ext: "1003",
             path: ["flow", "lookup", "callerNumber", "language", "email", "route", "menu", "key"]),
        Case(name: "flow: a failed lookup goes on", scenario: s(flow, presses: []), outcome: "hangup", path: ["lookup", "callerNumber", "menu", "timeout"]),
    ]

    @Test(arguments: cases)
    func callTakesThePredictedPath(_ c: Case) {
        c.check(Simulator(plan: DialplanCompiler.plan(Fixtures.contactCenter)).run(c.scenario))
    }

    @Test func theLookupNameAndTheRewrittenNumberAreReported() {
        let trace = Simulator(plan: DialplanCompiler.plan(Fixtures.contactCenter), language: "es")
            .run(Self.s(Self.flow, presses: [], lookups: [Fixtures.lookup: "ACME Corp"]))
        #expect(trace.events.first { $0.kind == "lookup" }?.sentence == "La búsqueda da al llamante el nombre «ACME Corp».")
        #expect(trace.events.first { $0.kind == "callerNumber" }?.detail["number"] == "9+34655000000")
    }

    @Test func menusGoingToEachOtherForeverAreCut() {
        var t = Fixtures.contactCenter
        t.ivrs[0].contexts[0].options["start"] = [.goto(contextId: Fixtures.salesContext)]
        t.ivrs[0].contexts[1].options["start"] = [.goto(contextId: Fixtures.mainContext)]
        let trace = Simulator(plan: DialplanCompiler.plan(t)).run(Self.s(Self.ivr))
        #expect(trace.outcome.kind == "loop")
        #expect(trace.events.filter { $0.kind == "menu" }.count == Simulator.maximumMenuVisits)
    }

    @Test func aQueueWithoutTimeLimitKeepsTheCallerWaiting() {
        var t = Fixtures.contactCenter
        t.queues[0].settings.maxWaitSeconds = 0
        t.queues[0].settings.timeoutDestination = nil
        #expect(Simulator(plan: DialplanCompiler.plan(t)).run(Self.s(Self.queue)).outcome.kind == "queued")
    }
}
