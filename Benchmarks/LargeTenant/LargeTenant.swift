public import Dialplan
public import Telephony

/// The large synthetic tenant the compiler benchmark measures and the Asterisk conformance
/// suite loads: 2,000 extensions, 5,000 rules, 200 intervals, 100 groups, 500 public numbers,
/// 40 queues with 10 agents each, 30 IVRs of 4 contexts, 20 call flows.
public enum LargeTenant {
    static func id(_ kind: String, _ n: Int) -> String { "\(kind)-\(n)" }

    public static func snapshot() -> TenantSnapshot {
        var intervals: [TenantSnapshot.Interval] = []
        for i in 0..<200 {
            var rule = CalendarInterval(timeZone: "Europe/Madrid", startTime: TimeOfDay(minutes: (i * 7) % 1380)!,
                                        endTime: TimeOfDay(minutes: (i * 7) % 1380 + 60)!, startWeekday: .monday, endWeekday: .friday)
            if i % 10 == 0 { rule.algorithm = .continuous; rule.endWeekday = .wednesday }
            intervals.append(.init(id: id("int", i), name: "Interval \(i)", interval: rule))
        }
        var extensions: [TenantSnapshot.Extension] = []
        var ruleCount = 0
        for e in 0..<2000 {
            var rules: [TenantSnapshot.Rule] = []
            let count = e < 1000 ? 3 : 2   // 3,000 + 2,000 = 5,000 rules
            for r in 0..<count {
                var rule: IncomingRule
                switch (e + r) % 5 {
                case 0:
                    rule = IncomingRule(kind: .cascade)
                    rule.totalSeconds = 40
                    rule.steps = [.init(destination: .extensionTarget(id: id("ext", e)), afterSeconds: 0),
                                  .init(destination: .extensionTarget(id: id("ext", (e + 1) % 2000)), afterSeconds: 10),
                                  .init(destination: .group(id: id("grp", e % 100)), afterSeconds: 10)]
                    rule.continue = true
                case 1:
                    rule = IncomingRule(kind: .busy)
                    rule.destination = .voicemail(extensionID: id("ext", e))
                case 2:
                    rule = IncomingRule(kind: .transfer)
                    rule.destination = .external(number: "+3460000\(String(format: "%04d", e))")
                    rule.extensionState = .registered
                    rule.callState = .noAnswer
                case 3:
                    rule = IncomingRule(kind: .identify)
                    rule.password = "1234"
                    rule.callerId = .init(match: .anonymous)
                    rule.destination = .extensionTarget(id: id("ext", (e + 7) % 2000))
                default:
                    rule = IncomingRule(kind: .hangup)
                    rule.callerId = .init(match: .equals, number: "+34911000\(String(format: "%03d", e % 1000))")
                }
                rule.intervalId = (e + r) % 3 == 0 ? id("int", (e + r) % 200) : nil
                rule.keypadCode = r
                rules.append(.init(id: id("rule", ruleCount), position: r + 1, rule: rule))
                ruleCount += 1
            }
            extensions.append(.init(id: id("ext", e), number: String(1000 + e), sipUsername: String(100_000_000 + e),
                                    ha1: String(repeating: "a", count: 32), ownerName: "User \(e)", email: "u\(e)@example.com",
                                    voicemail: .init(enabled: e % 2 == 0, pin: "1234", notify: .alert),
                                    recording: .init(enabled: e % 4 == 0, start: e % 8 == 0 ? .always : .onDemand), rules: rules))
        }
        let groups = (0..<100).map { g in TenantSnapshot.Group(id: id("grp", g), name: "Group \(g)", memberIDs: (0..<5).map { id("ext", (g * 20 + $0) % 2000) }) }
        let numbers = (0..<500).map { n in TenantSnapshot.PublicNumber(id: id("num", n), number: "+3491\(String(format: "%07d", n))",
                                                                      destination: .extensionTarget(id: id("ext", n * 4))) }
        var snapshot = TenantSnapshot(tenantID: "bench", key: 42, name: "Benchmark", extensions: extensions, intervals: intervals, groups: groups,
                                      publicNumbers: numbers)
        for q in 0..<40 {
            snapshot.extensions.append(.init(id: id("queue", q), kind: .queue, number: String(5000 + q), name: "Queue \(q)",
                                             sipUsername: String(200_000_000 + q), ha1: String(repeating: "b", count: 32)))
            var settings = QueueSettings()
            settings.strategy = QueueSettings.Strategy.allCases[q % 7]
            settings.stickyAgent = q % 2 == 0
            settings.timeoutDestination = .voicemail(extensionID: id("ext", q * 2))
            snapshot.queues.append(.init(extensionID: id("queue", q), settings: settings,
                                         agents: (0..<10).map { .init(extensionID: id("ext", (q * 10 + $0) % 2000), penalty: $0 % 3, supervisor: $0 == 0) }))
        }
        for v in 0..<30 {
            let ivr = id("ivr", v)
            snapshot.extensions.append(.init(id: ivr, kind: .ivr, number: String(6000 + v), name: "IVR \(v)", sipUsername: String(300_000_000 + v),
                                             ha1: String(repeating: "c", count: 32)))
            let contexts = (0..<4).map { id("ctx-\(v)", $0) }
            snapshot.ivrs.append(.init(extensionID: ivr, contexts: contexts.enumerated().map { i, ctx in
                .init(id: ctx, name: "Context \(i)", entry: i == 0, directDial: i == 0, options: [
                    "start": [.play(soundId: "system:welcome"),
                              .timeRouting(intervalId: id("int", v), then: [], otherwise: [.voicemail(extensionId: id("ext", v))])],
                    "1": [.transfer(.queue(id: id("queue", v % 40)))],
                    "2": [.goto(contextId: contexts[(i + 1) % 4])],
                    "3": [.httpNotification(url: "https://crm.example.com/h?n={number}", timeoutSeconds: 2,
                                            branches: [[.transfer(.extensionTarget(id: id("ext", v)))], [.hangup]], otherwise: [])],
                    "0": [.transfer(.group(id: id("grp", v)))],
                ])
            }))
        }
        for f in 0..<20 {
            snapshot.callFlows.append(.init(id: id("flow", f), name: "Flow \(f)", actions: [
                .lookupName(url: "https://crm.example.com/n?{number}", timeoutSeconds: 2), .callerNumber(prefix: "9", suffix: ""),
                .transfer(.ivr(id: id("ivr", f))),
            ]))
        }
        for n in 0..<100 {
            snapshot.publicNumbers[n].destination = n % 3 == 0 ? .queue(id: id("queue", n % 40)) : n % 3 == 1 ? .ivr(id: id("ivr", n % 30)) : .callFlow(id: id("flow", n % 20))
        }
        return snapshot
    }
}
