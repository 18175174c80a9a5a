import Dialplan
import Foundation
import Telephony

/// The queue, IVR and call-flow tenants of the conformance suite. Queues wait a few seconds,
/// menus wait two seconds for a key: a scenario lasts seconds.
extension ConformanceTenants {
    static let tuesdayLunch = madrid("2026-12-01 14:30")
    // The Mondays after Madrid's clocks change (29 March and 25 October 2026).
    static let afterSpringChange = madrid("2026-03-30 09:30")
    static let afterSpringChangeEarly = madrid("2026-03-30 08:30")
    static let afterAutumnChange = madrid("2026-10-26 17:30")
    static let afterAutumnChangeLate = madrid("2026-10-26 18:30")

    static func queueExtension(_ id: String, _ number: String, _ name: String) -> TenantSnapshot.Extension {
        .init(id: id, kind: .queue, number: number, name: name, sipUsername: "", ha1: "")
    }

    static func queue(_ id: String, _ strategy: QueueSettings.Strategy, wait: Int = 4, agents: [(String, Int)],
                      _ configure: (inout QueueSettings) -> Void = { _ in }) -> TenantSnapshot.Queue {
        var s = QueueSettings()
        s.strategy = strategy
        s.maxWaitSeconds = wait
        s.retrySeconds = 1
        configure(&s)
        return .init(extensionID: id, settings: s, agents: agents.map { .init(extensionID: $0.0, penalty: $0.1, state: .loggedIn) })
    }

    /// One queue per strategy, a sticky queue that records every call, and a queue that holds
    /// one caller at most. Agents are Ana, Bruno and Carla; Darío is the reception with voicemail.
    static let queues: TenantSnapshot = {
        let ana = phone("e3001", "3001", sip: "500000301", owner: "Ana Queue")
        let bruno = phone("e3002", "3002", sip: "500000302", owner: "Bruno Queue")
        let carla = phone("e3003", "3003", sip: "500000303", owner: "Carla Queue")
        let dario = phone("e3004", "3004", sip: "500000304", owner: "Darío Reception", voicemail: .init(enabled: true, pin: "2468", answerAfterSeconds: 4))
        let names: [(String, String, String)] = [
            ("q6001", "6001", "Ring all"), ("q6002", "6002", "Linear"), ("q6003", "6003", "Least recent"), ("q6004", "6004", "Fewest calls"),
            ("q6005", "6005", "Random"), ("q6006", "6006", "Round robin"), ("q6007", "6007", "Weighted"), ("q6008", "6008", "Sticky"),
            ("q6009", "6009", "Small"), ("q6010", "6010", "Small, no overflow"),
        ]
        var t = TenantSnapshot(tenantID: "00000000-0000-0000-0000-000000000503", key: 503, name: "Conformance Queues",
                               extensions: [ana, bruno, carla, dario] + names.map { queueExtension($0.0, $0.1, $0.2) })
        t.queues = [
            queue("q6001", .ringAll, wait: 5, agents: [("e3001", 0), ("e3002", 0), ("e3003", 1)]) { $0.timeoutDestination = .voicemail(extensionID: "e3004") },
            queue("q6002", .linear, wait: 5, agents: [("e3002", 0), ("e3001", 0)]) { $0.timeoutDestination = .extensionTarget(id: "e3004") },
            queue("q6003", .leastRecent, agents: [("e3001", 0), ("e3002", 0)]),
            queue("q6004", .fewestCalls, agents: [("e3001", 0), ("e3002", 0)]),
            queue("q6005", .random, agents: [("e3001", 0), ("e3002", 0), ("e3003", 2)]),
            queue("q6006", .randomMemory, agents: [("e3001", 0), ("e3002", 0)]),
            queue("q6007", .weightedRandom, agents: [("e3001", 0), ("e3002", 3)]),
            queue("q6008", .ringAll, agents: [("e3001", 0), ("e3002", 0)]) {
                $0.stickyAgent = true
                $0.recordAll = true
                $0.timeoutDestination = .voicemail(extensionID: "e3004")
            },
            queue("q6009", .ringAll, wait: 30, agents: [("e3001", 0)]) {
                $0.maxWaiting = 1
                $0.overflowDestination = .external(number: "+34699000999")
            },
            queue("q6010", .ringAll, wait: 30, agents: [("e3001", 0)]) { $0.maxWaiting = 1 },
        ]
        return t
    }()

    static let hook = ScenarioWeb.placeholder + "route?from={number}"
    static let flowHook = ScenarioWeb.placeholder + "flow?from={number}"
    static let slowHook = ScenarioWeb.placeholder + "slow/route?from={number}"
    static let nameLookup = ScenarioWeb.placeholder + "name?n={number}"
    static let whoLookup = ScenarioWeb.placeholder + "who?n={number}"
    static let bossEmail = MenuAction.emailKey(to: "boss@example.com", template: "Call from {number}")

    /// An IVR with every option key, direct dialling, goto between contexts, nested time
    /// routing, an HTTP notification with three branches and a name lookup; call flows that
    /// rewrite the caller's number, set the language, send an email, notify and look up.
    static let menus: TenantSnapshot = {
        let office = CalendarInterval(timeZone: "Europe/Madrid", startTime: TimeOfDay("09:00") ?? .midnight, endTime: TimeOfDay("18:00") ?? .midnight,
                                      startWeekday: .monday, endWeekday: .friday)
        let lunch = CalendarInterval(timeZone: "Europe/Madrid", startTime: TimeOfDay("14:00") ?? .midnight, endTime: TimeOfDay("15:00") ?? .midnight)
        let ana = phone("e4001", "4001", sip: "500000401", owner: "Ana Menu")
        let bruno = phone("e4002", "4002", sip: "500000402", owner: "Bruno Menu", voicemail: .init(enabled: true, pin: "1111", answerAfterSeconds: 4))
        let carla = phone("e4003", "4003", sip: "500000403", owner: "Carla Menu")
        var t = TenantSnapshot(tenantID: "00000000-0000-0000-0000-000000000502", key: 502, name: "Conformance Menus",
                               extensions: [ana, bruno, carla, queueExtension("q6101", "6101", "Menu queue"),
                                            .init(id: "ivr7001", kind: .ivr, number: "7001", name: "Welcome", sipUsername: "", ha1: "")],
                               intervals: [.init(id: "int-office", name: "Office", interval: office), .init(id: "int-lunch", name: "Lunch", interval: lunch)],
                               groups: [.init(id: "grp-menu-sales", name: "Sales", memberIDs: ["e4001", "e4003"])],
                               publicNumbers: [
                                   .init(id: "m0", number: "+34910502000", destination: .ivr(id: "ivr7001")),
                                   .init(id: "m1", number: "+34910502001", destination: .callFlow(id: "flow-1")),
                                   .init(id: "m2", number: "+34910502002", destination: .callFlow(id: "flow-2")),
                                   .init(id: "m3", number: "+34910502003", destination: .callFlow(id: "flow-3")),
                                   .init(id: "m4", number: "+34910502004", destination: .callFlow(id: "flow-4")),
                                   .init(id: "m5", number: "+34910502005", destination: .callFlow(id: "flow-5")),
                                   .init(id: "m6", number: "+34910502006", destination: .queue(id: "q6101")),
                                   .init(id: "m7", number: "+34910502007", destination: .callFlow(id: "flow-6")),
                               ])
        t.queues = [queue("q6101", .ringAll, wait: 3, agents: [("e4001", 0)])]
        t.ivrs = [.init(extensionID: "ivr7001", contexts: [
            .init(id: "ctx-main", name: "Main", entry: true, directDial: true, timeoutSeconds: 2, maxRetries: 2, options: [
                "start": [.play(soundId: "system:welcome")],
                "1": [.transfer(.extensionTarget(id: "e4001"))],
                "2": [.transfer(.queue(id: "q6101"))],
                "3": [.goto(contextId: "ctx-sales")],
                "4": [.voicemail(extensionId: "e4002")],
                "5": [.dialExternal(number: "+34699000111")],
                "6": [.play(soundId: "system:thank-you")],
                "7": [.listenVoicemail],
                "8": [.timeRouting(intervalId: "int-office",
                                   then: [.timeRouting(intervalId: "int-lunch", then: [.play(soundId: "system:one-moment"), .transfer(.extensionTarget(id: "e4002"))],
                                                       otherwise: [.transfer(.extensionTarget(id: "e4001"))])],
                                   otherwise: [.voicemail(extensionId: "e4002")])],
                "9": [.httpNotification(url: hook, timeoutSeconds: 2,
                                        branches: [[.transfer(.extensionTarget(id: "e4001"))], [.transfer(.extensionTarget(id: "e4002"))], [.hangup]],
                                        otherwise: [.play(soundId: "system:invalid")])],
                "0": [.transfer(.callFlow(id: "flow-1"))],
                "star": [.hangup],
                "hash": [.transfer(.group(id: "grp-menu-sales"))],
                "timeout": [.play(soundId: "system:try-again")],
                "invalid": [.play(soundId: "system:invalid")],
            ]),
            .init(id: "ctx-sales", name: "Sales", timeoutSeconds: 2, maxRetries: 1, options: [
                "start": [.play(soundId: "system:hello-world")],
                "1": [.goto(contextId: "ctx-main")],
                "2": [.lookupName(url: nameLookup, timeoutSeconds: 2), .transfer(.extensionTarget(id: "e4001"))],
                "3": [.play(soundId: "system:no-such-sound")],
            ]),
        ])]
        t.callFlows = [
            .init(id: "flow-1", name: "Prefix", actions: [.callerNumber(prefix: "0", suffix: ""), .transfer(.extensionTarget(id: "e4001"))]),
            .init(id: "flow-2", name: "Suffix in English", actions: [.callerNumber(prefix: "", suffix: "9"), .setLanguage("en"),
                                                                      .transfer(.extensionTarget(id: "e4003"))]),
            .init(id: "flow-3", name: "Spanish, tell the boss", actions: [.setLanguage("es"), .email(to: "boss@example.com", template: "Call from {number}"),
                                                                           .play(soundId: "system:welcome"), .voicemail(extensionId: "e4002")]),
            .init(id: "flow-4", name: "Ask the CRM", actions: [.httpNotification(url: flowHook, timeoutSeconds: 2,
                                                                                 branches: [[.transfer(.ivr(id: "ivr7001"))], [.dialExternal(number: "+34699000222")]],
                                                                                 otherwise: [.transfer(.queue(id: "q6101"))])]),
            .init(id: "flow-5", name: "Who calls", actions: [.lookupName(url: whoLookup, timeoutSeconds: 2), .transfer(.extensionTarget(id: "e4001"))]),
            .init(id: "flow-6", name: "A slow CRM", actions: [.httpNotification(url: slowHook, timeoutSeconds: 2, branches: [[.transfer(.extensionTarget(id: "e4002"))]],
                                                                                 otherwise: [.transfer(.extensionTarget(id: "e4001"))])]),
        ]
        return t
    }()
}
