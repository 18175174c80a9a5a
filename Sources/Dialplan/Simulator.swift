import Foundation

/// Runs a scenario through a `CallPlan` exactly as the emitted dial plan would run the call:
/// the same steps, the same conditions, the same loop limit.
public struct Simulator: Sendable {
    /// Transfers between extensions a call may make before it is cut as a loop (the dial
    /// plan counts them in `HOPS`).
    public static let maximumTransfers = 8

    let plan: CallPlan
    let reportedToggles: [String: Bool]
    let phrases: Phrases

    public init(plan: CallPlan, reportedToggles: [String: Bool] = [:], language: String = "en") {
        self.plan = plan
        self.reportedToggles = reportedToggles
        phrases = Phrases(language: language)
    }

    public func run(_ scenario: Scenario) -> CallTrace {
        var run = Run(simulator: self, scenario: scenario)
        let outcome: CallTrace.Outcome
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
    var answers: [String]

    init(simulator: Simulator, scenario: Scenario) {
        self.simulator = simulator
        self.scenario = scenario
        var parts = scenario.keys.split(separator: "#", omittingEmptySubsequences: false).map(String.init)
        if parts.last == "" { parts.removeLast() }
        answers = parts
    }

    var plan: CallPlan { simulator.plan }
    var phrases: Phrases { simulator.phrases }
    var caller: String { scenario.from.filter { $0.isNumber || $0 == "+" } }

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
                let answer = answers.isEmpty ? nil : answers.removeFirst()
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
        case .callerIs(let number): return caller == number.filter { $0.isNumber || $0 == "+" }
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
