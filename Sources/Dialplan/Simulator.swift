import Foundation
import Telephony

/// Runs a scenario through a `CallPlan` exactly as the emitted dial plan would run the call:
/// the same steps, the same conditions, the same loop limit.
public struct Simulator: Sendable {
    /// Transfers between extensions a call may make before it is cut as a loop (the dial
    /// plan counts them in `HOPS`).
    public static let maximumTransfers = 8
    /// IVR contexts a call may enter (counting returns to a menu) before it is cut as a loop
    /// (`MENUHOPS` in the dial plan).
    public static let maximumMenuVisits = 50
    /// How long app_queue rings an agent before offering the call on (`timeout` in queues.conf).
    public static let memberRingSeconds = 15
    /// How long a returning caller's last agent rings alone before the queue (QUE-6).
    public static let stickyRingSeconds = 15

    let plan: CallPlan
    let reportedToggles: [String: Bool]
    let phrases: Phrases

    public init(plan: CallPlan, reportedToggles: [String: Bool] = [:], language: String = "en") {
        self.plan = plan
        self.reportedToggles = reportedToggles
        phrases = Phrases(language: language)
    }

    public func run(_ scenario: Scenario) -> CallTrace {
        var scenario = scenario
        if let number = plan.publicNumber(called: scenario.to) { scenario.to = number }
        var run = Run(simulator: self, scenario: scenario)
        let outcome: CallTrace.Outcome
        if plan.route(inbound: scenario.to) != nil {
            // The public number's trust boundary: the dial plan filters and normalises the
            // caller's number before anything reads it.
            run.caller = NumberingPlan.normalise(scenario.from, plan: NumberingPlan.of(scenario.to))
        }
        if let route = plan.route(inbound: scenario.to) ?? plan.route(internal: scenario.to) {
            outcome = run.enter(route)
        } else {
            outcome = CallTrace.Outcome(kind: "notRouted", extensionNumber: nil, number: scenario.to, sentence: phrases.notRouted(scenario.to))
        }
        return CallTrace(events: run.events, outcome: outcome)
    }
}

private struct Run {
    enum Flow { case next, finish, ended(CallTrace.Outcome) }

    let simulator: Simulator
    let scenario: Scenario
    var events: [CallTrace.Event] = []
    var applied = false
    var lastRing: DialOutcome?
    var transfers = 0
    var menuVisits = 0
    var answers: [String]
    var caller: String

    init(simulator: Simulator, scenario: Scenario) {
        self.simulator = simulator
        self.scenario = scenario
        if let presses = scenario.presses {
            answers = presses
        } else {
            var parts = scenario.keys.split(separator: "#", omittingEmptySubsequences: false).map(String.init)
            if parts.last == "" { parts.removeLast() }
            answers = parts
        }
        caller = NumberingPlan.filtered(scenario.from)
    }

    var plan: CallPlan { simulator.plan }
    var phrases: Phrases { simulator.phrases }

    /// The next answer the caller keys at a prompt (nil: nothing pressed).
    mutating func nextAnswer() -> String? { answers.isEmpty ? nil : answers.removeFirst() }

    mutating func note(_ kind: String, _ detail: [String: String], _ sentence: String) {
        events.append(CallTrace.Event(kind: kind, detail: detail, sentence: sentence))
    }

    func outcome(_ kind: String, ext: String? = nil, number: String? = nil, _ sentence: String) -> CallTrace.Outcome {
        CallTrace.Outcome(kind: kind, extensionNumber: ext, number: number, sentence: sentence)
    }

    mutating func enter(_ route: Route) -> CallTrace.Outcome {
        transfers += 1
        if transfers > Simulator.maximumTransfers {
            return outcome("loop", phrases.loop)
        }
        applied = false
        note("route", ["number": route.number], phrases.route(route.title))
        if case .ended(let o) = run(route.steps) { return o }
        if case .ended(let o) = run(route.ending) { return o }
        return outcome("hangup", phrases.hangup)
    }

    mutating func run(_ steps: [Step]) -> Flow {
        for step in steps {
            let flow = run(step)
            if case .next = flow { continue }
            return flow
        }
        return .next
    }

    mutating func run(_ step: Step) -> Flow {
        switch step {
        case .ring(let ring):
            return self.ring(ring)
        case .when(let condition, let then, let otherwise):
            let holds = evaluate(condition)
            if case .markApplied(let rule)? = then.first {
                if holds {
                    note("rule", ["rule": "\(rule)", "applies": "true"], phrases.ruleApplies(rule))
                } else {
                    let reason = firstFailing(condition).map { phrases.describe($0, holds: false, plan: plan) } ?? ""
                    note("rule", ["rule": "\(rule)", "applies": "false"], phrases.ruleSkipped(rule, reason))
                }
            }
            return run(holds ? then : otherwise)
        case .markApplied:
            applied = true
            return .next
        case .goToRoute(let number):
            guard let route = plan.route(internal: number) else { return .ended(outcome("hangup", phrases.hangup)) }
            note("transfer", ["to": number], phrases.transfer(number))
            return .ended(enter(route))
        case .voicemail(let mailbox, let busy):
            let number = String(mailbox.split(separator: "@").first ?? "")
            note("voicemail", ["mailbox": number, "greeting": busy ? "busy" : "unavailable"], phrases.voicemail(number, busy: busy))
            return .ended(outcome("voicemail", ext: number, phrases.voicemail(number, busy: busy)))
        case .dialExternal(let number):
            note("external", ["number": number], phrases.external(number))
            return .ended(outcome("external", number: number, phrases.external(number)))
        case .identify(let password, let rule):
            for attempt in 1...3 {
                let answer = nextAnswer()
                if answer == password {
                    note("identify", ["rule": "\(rule)", "result": "accepted", "attempt": "\(attempt)"], phrases.identifyAccepted)
                    return .next
                }
            }
            note("identify", ["rule": "\(rule)", "result": "refused"], phrases.identifyRefused)
            return .ended(outcome("hangup", phrases.identifyRefused))
        case .record:
            note("record", [:], phrases.recorded)
            return .next
        case .finish:
            return .finish
        case .busy:
            return .ended(outcome("busy", phrases.busyTone))
        case .congestion:
            return .ended(outcome("congestion", phrases.congestion))
        case .hangup:
            return .ended(outcome("hangup", phrases.hangup))
        case .reject:
            return .ended(outcome("rejected", phrases.rejected))
        case .queue(let number):
            return queue(number)
        case .menu(let name):
            return .ended(enterMenu(name))
        case .flow(let key):
            guard let flow = plan.flow(key) else { return .ended(outcome("hangup", phrases.hangup)) }
            note("flow", ["flow": key], phrases.flow(flow.title))
            if case .ended(let o) = run(flow.steps) { return .ended(o) }
            return .ended(outcome("hangup", phrases.hangup))
        case .play(let file):
            note("play", ["sound": file ?? ""], phrases.play(file))
            return .next
        case .listenVoicemail:
            note("voicemailMain", [:], phrases.listenVoicemail)
            return .ended(outcome("voicemailMain", phrases.listenVoicemail))
        case .webhook(let url, _, let branches, let otherwise):
            let reply = scenario.webhooks?[url]
            let branch = reply.flatMap { $0.first.flatMap { Int(String($0)) } }.flatMap { branches.indices.contains($0 - 1) ? $0 : nil }
            note("webhook", ["url": url, "reply": reply ?? "", "branch": branch.map(String.init) ?? "default"],
                 phrases.webhook(url, reply: reply, branch: branch))
            return run(branch.map { branches[$0 - 1] } ?? otherwise)
        case .lookupName(let url, _):
            let name = scenario.lookups?[url]
            note("lookup", ["url": url, "name": name ?? ""], phrases.lookup(name))
            return .next
        case .rewriteCaller(let prefix, let suffix):
            caller = prefix + caller + suffix
            note("callerNumber", ["number": caller], phrases.callerNumber(caller))
            return .next
        case .notifyEmail(let to, let key):
            note("email", ["to": to, "key": key], phrases.email(to))
            return .next
        case .setLanguage(let language):
            note("language", ["language": language], phrases.language(language))
            return .next
        }
    }

    func agentState(_ agent: QueueAgentPlan) -> AgentState { scenario.agents?[agent.number] ?? agent.state }

    /// The queue as app_queue runs it (`QueuesEmitter`, `RouteEmitter.emitQueue`):
    /// - with `recordAll`, recording starts as the caller enters (the sticky ring included);
    /// - a returning caller (QUE-6) first rings their last agent alone, if that agent is
    ///   logged in and free, for `stickyRingSeconds`;
    /// - nobody logged in (unpaused) with a registered phone → the timeout steps at once
    ///   (`joinempty`); this is checked before the queue's length, as app_queue does;
    /// - `maxWaiting` callers already waiting → the overflow steps;
    /// - agents on another call are waited for, not skipped: the caller stays in the queue;
    /// - the free agents of the lowest penalty are offered the call first: all of them at once
    ///   (`ringAll`), the first in the list (`linear`), or one of them that the node picks
    ///   (`leastRecent`, `fewestCalls`, `random`, `randomMemory` — round robin with memory,
    ///   starting wherever the node's member table starts — and `weightedRandom`, where the
    ///   penalty is a weight and every free agent may be picked). Agents of a higher penalty
    ///   are offered calls only while every lower-penalty agent is busy, paused or out.
    /// - each offer rings for `memberRingSeconds`; a caller who may wait longer is offered in
    ///   turn to the other agents of the same penalty.
    mutating func queue(_ number: String) -> Flow {
        guard let q = plan.queue(number) else { return .ended(outcome("hangup", phrases.hangup)) }
        if q.settings.recordAll { note("record", [:], phrases.recorded) }
        let members = q.agents.enumerated().filter { _, a in agentState(a) == .loggedIn && device(a.number) != .unregistered }
            .sorted { ($0.element.penalty, $0.offset) < ($1.element.penalty, $1.offset) }.map(\.element)
        if q.settings.stickyAgent, !caller.isEmpty, let last = scenario.lastAgent?[number],
           let agent = members.first(where: { $0.number == last && device($0.number) != .busy }) {
            note("stickyAgent", ["agent": last], phrases.stickyAgent(last))
            if device(agent.number) == .answers { return .ended(outcome("answered", ext: agent.number, phrases.answered(agent.number))) }
            // Then the queue as for anyone: the last agent is a free member again. (The node
            // may still see their phone ringing for a moment and leave them out of its first
            // offer: a race the conformance suite leaves out.)
        }
        // The sticky ring happens before the caller joins the queue (it is not a queue call).
        note("queue", ["queue": number], phrases.queue(q.title))
        if members.isEmpty {
            note("queueEmpty", ["queue": number], phrases.queueEmpty)
            return afterQueue(q.onTimeout)
        }
        if q.settings.maxWaiting > 0, (scenario.waiting?[number] ?? 0) >= q.settings.maxWaiting {
            note("queueFull", ["queue": number], phrases.queueFull)
            return afterQueue(q.onFull)
        }
        let free = members.filter { device($0.number) != .busy }
        if let lowest = free.first?.penalty {
            let strategy = q.settings.strategy
            let pool = strategy == .weightedRandom ? free : free.filter { $0.penalty == lowest }
            let offered: [QueueAgentPlan] = switch strategy {
            case .ringAll: pool
            case .linear: [pool[0]]
            default: pool
            }
            let choice = strategy == .ringAll || offered.count == 1 ? "all" : "one"
            note("queueRing", ["agents": offered.map(\.number).joined(separator: ","), "strategy": strategy.asteriskName, "choice": choice],
                 phrases.queueRing(offered.map(\.number)))
            let later = q.settings.maxWaitSeconds == 0 || q.settings.maxWaitSeconds > Simulator.memberRingSeconds ? pool : offered
            if let agent = (offered + later).first(where: { device($0.number) == .answers }) {
                return .ended(outcome("answered", ext: agent.number, phrases.answered(agent.number)))
            }
        }
        guard q.settings.maxWaitSeconds > 0 else { return .ended(outcome("queued", phrases.queueWaiting)) }
        note("queueTimeout", ["seconds": "\(q.settings.maxWaitSeconds)"], phrases.queueTimeout(q.settings.maxWaitSeconds))
        return afterQueue(q.onTimeout)
    }

    /// What follows a queue that did not connect the call; the dial plan hangs up after it.
    mutating func afterQueue(_ steps: [Step]) -> Flow {
        if case .ended(let o) = run(steps) { return .ended(o) }
        return .ended(outcome("hangup", phrases.hangup))
    }

    /// An IVR context: the start runs, then each answer is a key, a direct-dialled number, or
    /// nothing; options that do not hand the call over come back to the start. With direct
    /// dialling on, a key that an internal number starts with acts after the node's digit
    /// timeout (5 s: more digits may follow); any other key acts at once.
    mutating func enterMenu(_ name: String) -> CallTrace.Outcome {
        guard let menu = plan.menu(name) else { return outcome("hangup", phrases.hangup) }
        menuVisits += 1
        if menuVisits > Simulator.maximumMenuVisits { return outcome("loop", phrases.menuLoop) }
        note("menu", ["menu": name], phrases.menu(menu.title))
        var tries = 0
        while true {
            if case .ended(let o) = run(menu.start) { return o }
            let answer = nextAnswer() ?? ""
            if let steps = menu.keys[answer] {
                note("key", ["key": answer], phrases.pressed(answer))
                if case .ended(let o) = run(steps) { return o }
                continue
            }
            if menu.directDial, let route = plan.route(internal: answer) {
                note("directDial", ["number": answer], phrases.directDial(answer))
                return enter(route)
            }
            tries += 1
            if answer.isEmpty { note("timeout", ["try": "\(tries)"], phrases.timedOut) } else { note("invalid", ["key": answer, "try": "\(tries)"], phrases.invalidKey(answer)) }
            if tries > menu.maxRetries { return outcome("hangup", phrases.gaveUp) }
            if case .ended(let o) = run(answer.isEmpty ? menu.timeout : menu.invalid) { return o }
        }
    }

    func device(_ key: String) -> Scenario.Device { scenario.devices[key] ?? .registered }

    mutating func ring(_ ring: Ring) -> Flow {
        let ordered = ring.targets.enumerated().sorted { ($0.element.afterSeconds, $0.offset) < ($1.element.afterSeconds, $1.offset) }.map(\.element)
        var result: DialOutcome = .unavailable
        var answeredBy: RingTarget?
        var sawBusy = false, sawRinging = false
        for target in ordered where target.afterSeconds < ring.seconds {
            let key: String
            switch target.kind {
            case .phone(let number, _): key = number
            case .external(let number): key = number
            }
            switch device(key) {
            case .answers where answeredBy == nil: answeredBy = target
            case .answers, .registered, .noAnswer: sawRinging = true
            case .busy: sawBusy = true
            case .unregistered: break
            }
        }
        if answeredBy != nil { result = .answered } else if sawRinging { result = .noAnswer } else if sawBusy { result = .busy }
        lastRing = result
        let names = ring.targets.map { t -> String in
            switch t.kind {
            case .phone(let number, _): t.afterSeconds > 0 ? "\(number) (+\(t.afterSeconds) s)" : number
            case .external(let number): t.afterSeconds > 0 ? "\(number) (+\(t.afterSeconds) s)" : number
            }
        }
        var who: String?
        if let answeredBy {
            switch answeredBy.kind {
            case .phone(let number, _): who = number
            case .external(let number): who = number
            }
        }
        note("ring", ["targets": names.joined(separator: ","), "seconds": "\(ring.seconds)", "result": result.rawValue, "reason": ring.reason]
                + (who.map { ["answeredBy": $0] } ?? [:]),
             phrases.ring(names, seconds: ring.seconds, result: result, by: who))
        if let who {
            let isExternal: Bool = { if case .external = answeredBy?.kind { return true } else { return false } }()
            return .ended(outcome("answered", ext: isExternal ? nil : who, number: isExternal ? who : nil, phrases.answered(who)))
        }
        return .next
    }

    func evaluate(_ condition: Condition) -> Bool {
        switch condition {
        case .callerIs(let number): return caller == NumberingPlan.filtered(number)
        case .callerAnonymous: return caller.isEmpty
        case .inInterval(let id): return plan.intervals[id]?.interval.contains(scenario.at) ?? false
        case .ruleActive(let ext, let code):
            let key = "\(ext)/\(code)"
            return scenario.toggles?[key] ?? simulator.reportedToggles[key] ?? true
        case .registered(let ext): return device(ext) != .unregistered
        case .busy(let ext): return device(ext) == .busy
        case .lastRing(let outcomes): return lastRing.map(outcomes.contains) ?? false
        case .applied: return applied
        case .not(let inner): return !evaluate(inner)
        case .all(let all): return all.allSatisfy(evaluate)
        }
    }

    /// The first part of a condition that does not hold (for "rule 2 does not apply: …").
    func firstFailing(_ condition: Condition) -> Condition? {
        if case .all(let all) = condition { return all.first { !evaluate($0) } }
        return evaluate(condition) ? nil : condition
    }
}

extension Dictionary where Key == String, Value == String {
    static func + (a: Self, b: Self) -> Self { a.merging(b) { _, new in new } }
}
