import Dialplan
import Foundation
import Telephony
import Testing

/// QUE-1…QUE-6 on a real Asterisk: every strategy's observable behaviour, agents logged in,
/// paused and out (put in place by the portal's manager commands), penalties, busy agents,
/// the sticky agent with record-all, timeouts and overflow with callers really waiting.
@Suite(.enabled(if: Conformance.available, "no Asterisk 22 here (CENTRALITA_ASTERISK)"))
struct QueueScenarioTests {
    static let t = ConformanceTenants.self

    static func c(_ name: String, to: String, from: String = "+34600000001", _ devices: [String: Scenario.Device] = [:],
                  agents: [String: AgentState]? = nil, waiting: [String: Int]? = nil, lastAgent: [String: String]? = nil) -> ConformanceCase {
        ConformanceCase(name: name, snapshot: t.queues,
                        scenario: Scenario(to: to, from: from, at: t.tuesdayMorning, devices: devices, agents: agents, waiting: waiting, lastAgent: lastAgent))
    }

    static let cases: [ConformanceCase] = [
        // Ring all (6001): Ana and Bruno at penalty 0, Carla at 1; timeout to Darío's voicemail.
        c("ring all: both first-tier agents ring, Bruno answers", to: "6001", ["3002": .answers]),
        c("ring all: nobody answers, timeout to voicemail", to: "6001"),
        c("ring all: the penalty-1 agent is not rung while the first tier is free", to: "6001", ["3003": .answers]),
        c("ring all: first tier paused, the penalty-1 agent takes the call", to: "6001", ["3003": .answers], agents: ["3001": .paused, "3002": .paused]),
        c("ring all: first tier logged out, the penalty-1 agent takes the call", to: "6001", ["3003": .answers],
          agents: ["3001": .loggedOut, "3002": .loggedOut]),
        c("ring all: first tier busy, the penalty-1 agent takes the call", to: "6001", ["3001": .busy, "3002": .busy, "3003": .answers]),
        c("all agents busy: the caller waits, then the timeout", to: "6001", ["3001": .busy, "3002": .busy, "3003": .busy]),
        c("all agents paused: the timeout destination at once", to: "6001", agents: ["3001": .paused, "3002": .paused, "3003": .paused]),
        c("all agents logged out: the timeout destination at once", to: "6001", agents: ["3001": .loggedOut, "3002": .loggedOut, "3003": .loggedOut]),
        c("no agent registered: the timeout destination at once", to: "6001", ["3001": .unregistered, "3002": .unregistered, "3003": .unregistered]),
        c("ring all: an unregistered agent is skipped, the other answers", to: "6001", ["3001": .unregistered, "3002": .answers]),
        c("ring all: a paused agent is skipped, the other answers", to: "6001", ["3001": .answers], agents: ["3002": .paused]),
        c("ring all: a busy agent is skipped, the other answers", to: "6001", ["3001": .busy, "3002": .answers]),
        c("ring all: one busy, one paused, the penalty-1 agent rings out", to: "6001", ["3001": .busy], agents: ["3002": .paused]),
        // Linear (6002): Bruno first, then Ana; timeout to Darío's extension.
        c("linear: the first in the list rings alone and answers", to: "6002", ["3002": .answers]),
        c("linear: the second agent is not reached within the wait", to: "6002", ["3001": .answers]),
        c("linear: the first paused, the second answers", to: "6002", ["3001": .answers], agents: ["3002": .paused]),
        c("linear: the first busy, the second answers", to: "6002", ["3002": .busy, "3001": .answers]),
        c("linear: timeout to an extension that answers", to: "6002", ["3004": .answers]),
        // One agent at a time, picked by the node.
        c("least recent: one of the two rings, nobody answers", to: "6003"),
        c("least recent: both answer, one takes the call", to: "6003", ["3001": .answers, "3002": .answers]),
        c("least recent: the only free agent answers", to: "6003", ["3001": .busy, "3002": .answers]),
        c("fewest calls: one of the two rings, nobody answers", to: "6004"),
        c("fewest calls: both answer, one takes the call", to: "6004", ["3001": .answers, "3002": .answers]),
        c("fewest calls: the only logged-in agent answers", to: "6004", ["3001": .answers], agents: ["3002": .loggedOut]),
        c("random: one of the first tier rings, nobody answers", to: "6005"),
        c("random: both of the first tier answer", to: "6005", ["3001": .answers, "3002": .answers]),
        c("random: the penalty-2 agent is not rung while the first tier is free", to: "6005", ["3003": .answers]),
        c("random: first tier paused, the penalty-2 agent answers", to: "6005", ["3003": .answers], agents: ["3001": .paused, "3002": .paused]),
        c("round robin with memory: one of the two rings, nobody answers", to: "6006"),
        c("round robin with memory: both answer, one takes the call", to: "6006", ["3001": .answers, "3002": .answers]),
        c("round robin with memory: one paused, the other answers", to: "6006", ["3002": .answers], agents: ["3001": .paused]),
        c("weighted random: the penalty is a weight, either may ring", to: "6007"),
        c("weighted random: both answer, one takes the call", to: "6007", ["3001": .answers, "3002": .answers]),
        c("weighted random: the first busy, the heavier one answers", to: "6007", ["3001": .busy, "3002": .answers]),
        // Sticky agent and record-all (6008).
        c("sticky: the returning caller's last agent answers alone, recorded", to: "6008", ["3001": .answers, "3002": .answers], lastAgent: ["6008": "3002"]),
        c("sticky: the last agent paused, the queue as usual", to: "6008", ["3001": .answers], agents: ["3002": .paused], lastAgent: ["6008": "3002"]),
        c("sticky: the last agent busy, the queue as usual", to: "6008", ["3002": .busy, "3001": .answers], lastAgent: ["6008": "3002"]),
        c("sticky: the last agent logged out, the queue as usual", to: "6008", ["3001": .answers], agents: ["3002": .loggedOut], lastAgent: ["6008": "3002"]),
        c("sticky: an anonymous caller has no last agent", to: "6008", from: "anonymous", ["3001": .answers], lastAgent: ["6008": "3002"]),
        c("sticky: a first-time caller goes to the queue", to: "6008", ["3001": .answers]),
        // Not here: the last agent rings 15 s without answering, then the queue. Whether the
        // queue's first offer includes them again depends on how soon the node sees their
        // phone stop ringing (a device-state race); the rest of that path agrees.
        c("record-all: nobody answers, the timeout to voicemail", to: "6008"),
        // A queue that holds one caller (6009).
        c("queue full: the overflow number answers", to: "6009", ["+34699000999": .answers], waiting: ["6009": 1]),
        c("queue not full: the agent answers", to: "6009", ["3001": .answers]),
        c("queue full with no overflow destination: busy tone", to: "6010", waiting: ["6010": 1]),
        c("queue full with three waiting", to: "6010", waiting: ["6010": 3]),
        // Agents who logged in and paused with their phones' feature codes (*45, *46).
        byPhone(c("by phone: both logged in with *45, ring all, Ana answers", to: "6001", ["3001": .answers])),
        byPhone(c("by phone: Ana paused with *46, Bruno answers", to: "6001", ["3001": .answers, "3002": .answers], agents: ["3001": .paused])),
        byPhone(c("by phone: first tier paused with *46, Carla answers", to: "6001", ["3003": .answers], agents: ["3001": .paused, "3002": .paused])),
        byPhone(c("by phone: everyone logged out again with *47", to: "6001", agents: ["3001": .loggedOut, "3002": .loggedOut, "3003": .loggedOut])),
        byPhone(c("by phone: Ana logged out with *47, Bruno answers", to: "6001", ["3001": .answers, "3002": .answers], agents: ["3001": .loggedOut])),
        byPhone(c("by phone: linear, Bruno logged in first", to: "6002", ["3002": .answers])),
    ]

    /// The last agent's call happens outside Queue(): their channel reports it (a UserEvent
    /// the media agent forwards as an agent call), so queue statistics count it.
    @Test func aCallTakenByTheLastAgentIsReportedAsTheQueues() async throws {
        let c = try #require(Self.cases.first { $0.name.hasPrefix("sticky: the returning caller's last agent answers") })
        let observed = try await CallRun(snapshot: c.snapshot, scenario: c.scenario).play()
        #expect(observed.steps.contains("stickyAgent 3002"))
        #expect(observed.applications.contains("UserEvent"))
    }

    static func byPhone(_ c: ConformanceCase) -> ConformanceCase {
        var c = c
        c.agentsByPhone = true
        return c
    }

    @Test(arguments: cases)
    func asteriskTakesTheSimulatorsPath(_ c: ConformanceCase) async throws {
        try await c.checkRetryingBench()
    }
}
