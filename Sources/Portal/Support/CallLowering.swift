import Dialplan
import Foundation
import HTTPServer
import Telephony

/// What the fuzzer (`RequestBodyFuzzing`) does with a body that passed its checks and that the
/// portal would turn into calls: a rule, interval or call flow goes into a small tenant, which
/// is compiled to a call plan and simulated, as `POST …/simulate` and a deployment would. Only
/// references the portal would accept are lowered (IDs of this small tenant), since the
/// database refuses the rest before the compiler sees them.
enum CallLowering {
    static let tenantID = "00000000-0000-4000-8000-000000000001"
    static let phoneID = "00000000-0000-4000-8000-000000001001"
    static let otherPhoneID = "00000000-0000-4000-8000-000000001002"
    static let intervalID = "00000000-0000-4000-8000-0000000000a1"
    static let flowID = "00000000-0000-4000-8000-0000000000f1"
    static let publicNumber = "+34910000000"
    /// A Tuesday, 10:30 in Madrid.
    static let instant = Date(timeIntervalSince1970: 1_795_512_600)
    static let outcomes: Set<String> = ["answered", "voicemail", "external", "busy", "congestion", "hangup", "rejected", "notRouted",
                                        "loop", "queued", "voicemailMain"]

    static let sampleRule = IncomingRule(kind: .hangup)

    /// The small tenant: two phones (1001 gets the rules), an interval, a public number.
    static func tenant(rules: [IncomingRule] = [], interval: CalendarInterval? = nil, flow: [MenuAction]? = nil) -> TenantSnapshot {
        var t = TenantSnapshot(tenantID: tenantID, key: 7, name: "Fuzz")
        t.extensions = [
            .init(id: phoneID, number: "1001", name: "Ana", sipUsername: "u1001", ha1: String(repeating: "a", count: 32),
                  rules: rules.enumerated().map { .init(id: "r\($0.offset)", position: $0.offset, rule: $0.element) }),
            .init(id: otherPhoneID, number: "1002", name: "Bo", sipUsername: "u1002", ha1: String(repeating: "b", count: 32)),
        ]
        let hours = CalendarInterval(timeZone: "Europe/Madrid", startTime: TimeOfDay("09:00") ?? .midnight, endTime: TimeOfDay("18:00") ?? .midnight)
        t.intervals = [.init(id: intervalID, name: "Hours", interval: interval ?? hours)]
        if let flow { t.callFlows = [.init(id: flowID, name: "Flow", actions: flow)] }
        t.publicNumbers = [.init(id: "n1", number: publicNumber, destination: flow == nil ? .extensionTarget(id: phoneID) : .callFlow(id: flowID))]
        return t
    }

    /// A call to `number` through the tenant's plan; the outcome must be one the API documents.
    static func call(_ snapshot: TenantSnapshot, to number: String) -> [String] {
        let plan = DialplanCompiler.plan(snapshot)
        let trace = Simulator(plan: plan).run(Scenario(to: number, from: "+34600000000", at: instant, devices: ["1001": .registered]))
        return outcomes.contains(trace.outcome.kind) ? [] : ["a call ended as \(trace.outcome.kind.debugDescription)"]
    }

    /// A rule as `POST …/rules` checks it, then in the tenant's plan.
    static func rule(_ rule: IncomingRule) throws -> [String] {
        var errors = FieldErrors()
        for problem in rule.problems() { errors.add(problem.field, problem.message) }
        try errors.throwIfAny()
        var problems = RequestBodyFuzzing.roundTrip(rule)
        let known: Set<String> = [phoneID, otherPhoneID]
        let resolvable = rule.destinations.allSatisfy { $0.destination.targetID.map(known.contains) ?? true }
            && (rule.intervalId == nil || rule.intervalId == intervalID) && rule.soundId == nil
        if resolvable {
            problems += call(tenant(rules: [rule, IncomingRule(kind: .busy)]), to: "1001")
        }
        return problems
    }

    /// A valid interval gates a rule of the tenant; its Asterisk form must exist.
    static func interval(_ interval: CalendarInterval) throws -> [String] {
        _ = interval.asteriskSpecs()
        _ = interval.contains(instant)
        var gated = IncomingRule(kind: .hangup)
        gated.intervalId = intervalID
        return call(tenant(rules: [gated], interval: interval), to: "1001")
    }

    /// Call-flow actions that reference nothing stored (those are checked in the database)
    /// run as the flow behind the public number.
    static func menu(_ actions: [MenuAction], asCallFlow: Bool) throws -> [String] {
        guard asCallFlow, MenuAction.references(actions, path: "actions").isEmpty else { return [] }
        return call(tenant(flow: actions), to: publicNumber)
    }

    static let simulationPlan = DialplanCompiler.plan(tenant(rules: [sampleRule]))

    /// `POST …/simulate`: the scenario decoded as the route does, run on the small tenant.
    static func simulate(_ body: [UInt8]) throws -> [String] {
        try RequestStrings.refuseNUL(inJSON: body)
        let scenario: Scenario
        do { scenario = try JSONCoding.decode(Scenario.self, from: body) } catch {
            throw HTTPError(.unprocessableContent, detail: "The scenario is not valid: \(CallPlanRoutes.describe(error))")
        }
        let trace = Simulator(plan: simulationPlan).run(scenario)
        return outcomes.contains(trace.outcome.kind) ? [] : ["a simulated call ended as \(trace.outcome.kind.debugDescription)"]
    }
}
