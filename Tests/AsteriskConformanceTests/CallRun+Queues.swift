import Dialplan
import Foundation
import TestSupport

/// Queue state a scenario assumes, put into Asterisk before the call the way it gets there in
/// production: agents by the portal's manager commands (`QueueAdd`, paused or not; logged-out
/// agents are not members), a returning caller's last agent in the database family the dial
/// plan's hang-up handler writes, and callers already waiting as real calls in the queue.
extension CallRun {
    static func prepareQueues(_ ami: AMIClient, plan: CallPlan, scenario: Scenario) async throws {
        for queue in plan.queues {
            for agent in queue.agents {
                let state = scenario.agents?[agent.number] ?? agent.state
                guard state != .loggedOut else { continue }
                let interface = "PJSIP/\(agent.endpoint)"
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
            let deadline = ContinuousClock.now + .seconds(20)
            while ami.events[start...].filter({ $0.event == "QueueCallerJoin" && $0["Queue"] == queue.name }).count < count {
                guard ContinuousClock.now < deadline else { throw Failure(description: "\(count) callers did not all join \(queue.name)") }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }
}
