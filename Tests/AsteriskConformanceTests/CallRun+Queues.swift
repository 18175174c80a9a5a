import Dialplan
import Foundation
import TestSupport

/// Queue state a scenario assumes, put into Asterisk before the call the way it gets there in
/// production: agents by the portal's manager commands (`QueueAdd`, paused or not; logged-out
/// agents are not members), a returning caller's last agent in the database family the dial
/// plan's hang-up handler writes, and callers already waiting as real calls in the queue.
extension CallRun {
    /// `byPhone`: agents log in (`*45<queue>`), pause (`*46<queue>`) and, when the scenario
    /// says they are out, log in and out again (`*47<queue>`) with the feature codes of their
    /// own phone's context instead of the portal's commands.
    static func prepareQueues(_ ami: AMIClient, plan: CallPlan, scenario: Scenario, byPhone: Bool = false) async throws {
        for queue in plan.queues {
            for agent in queue.agents {
                let state = scenario.agents?[agent.number] ?? agent.state
                let interface = "PJSIP/\(agent.endpoint)"
                if byPhone, state == .loggedOut, scenario.agents?[agent.number] == .loggedOut {
                    // Logged in, then out again with *47.
                    try await featureCode("*45\(queue.number)", phone: agent.number, plan: plan, ami) {
                        $0.event == "QueueMemberAdded" && $0["Queue"] == queue.name && $0["Interface"] == interface
                    }
                    try await featureCode("*47\(queue.number)", phone: agent.number, plan: plan, ami) {
                        $0.event == "QueueMemberRemoved" && $0["Queue"] == queue.name && $0["Interface"] == interface
                    }
                    continue
                }
                guard state != .loggedOut else { continue }
                if byPhone {
                    try await featureCode("*45\(queue.number)", phone: agent.number, plan: plan, ami) {
                        $0.event == "QueueMemberAdded" && $0["Queue"] == queue.name && $0["Interface"] == interface
                    }
                    if state == .paused {
                        try await featureCode("*46\(queue.number)", phone: agent.number, plan: plan, ami) {
                            $0.event == "QueueMemberPause" && $0["Queue"] == queue.name && $0["Interface"] == interface && $0["Paused"] == "1"
                        }
                    }
                    continue
                }
                let reply = try await ami.action(["Action": "QueueAdd", "Queue": queue.name, "Interface": interface, "StateInterface": interface,
                                                  "Penalty": "\(agent.penalty)", "Paused": state == .paused ? "true" : "false",
                                                  "MemberName": agent.number])
                guard reply["Response"] == "Success" else { throw Failure(description: "QueueAdd \(queue.name) \(interface): \(reply)") }
            }
            if queue.settings.stickyAgent, let last = scenario.lastAgent?[queue.number],
               let agent = queue.agents.first(where: { $0.number == last }) {
                let caller = String(scenario.from.filter { $0.isASCII && ($0.isNumber || $0 == "+") })
                try await ami.action(["Action": "DBPut", "Family": "centralita-\(plan.tenant)", "Key": "\(queue.name)-last/\(caller)",
                                      "Val": "PJSIP/\(agent.endpoint)"])
            }
        }
        for (number, count) in (scenario.waiting ?? [:]).sorted(by: { $0.key < $1.key }) where count > 0 {
            guard let queue = plan.queue(number) else { continue }
            let start = ami.events.count
            for i in 0..<count {
                try await ami.action(["Action": "Originate", "Channel": "Local/\(number)@\(plan.tenant)-ext/n", "Application": "Wait", "Data": "120",
                                      "CallerID": "<+3460009\(String(format: "%04d", i))>", "Async": "true"])
            }
            // Callers beyond the queue's length are refused by the node and leave.
            let joining = queue.settings.maxWaiting > 0 ? min(count, queue.settings.maxWaiting) : count
            let deadline = ContinuousClock.now + .seconds(20)
            while ami.events[start...].filter({ $0.event == "QueueCallerJoin" && $0["Queue"] == queue.name }).count < joining {
                guard ContinuousClock.now < deadline else { throw Failure(description: "\(count) callers did not all join \(queue.name)") }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// Dials `code` from the phone's own context (as the phone would) and waits for its effect.
    static func featureCode(_ code: String, phone: String, plan: CallPlan, _ ami: AMIClient, until done: @escaping (AMIClient.Message) -> Bool) async throws {
        let start = ami.events.count
        try await ami.action(["Action": "Originate", "Channel": "Local/\(code)@\(plan.tenant)-phone-\(phone)/n", "Application": "Wait", "Data": "5",
                              "CallerID": "<\(phone)>", "Async": "true"])
        _ = try await ami.waitForEvent(timeout: .seconds(15), after: start, done)
    }
}
