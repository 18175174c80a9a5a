import Foundation
import Telephony
@testable import Dialplan

/// The rich tenant with a queue, a two-level IVR and a call flow on its public numbers.
extension Fixtures {
    static let support = "00000000-0000-0000-0000-000000002000"
    static let menu = "00000000-0000-0000-0000-000000003000"
    static let mainContext = "00000000-0000-0000-0000-0000000030c1"
    static let salesContext = "00000000-0000-0000-0000-0000000030c2"
    static let nightFlow = "00000000-0000-0000-0000-0000000040f1"
    static let webhook = "https://crm.example.com/hook?from={number}"
    static let lookup = "https://crm.example.com/name?n={number}"

    static var contactCenter: TenantSnapshot {
        var t = rich
        t.extensions.append(.init(id: support, kind: .queue, number: "2000", name: "Support", sipUsername: "200000000", ha1: ha1(0)))
        t.extensions.append(.init(id: menu, kind: .ivr, number: "3000", name: "Welcome menu", sipUsername: "300000000", ha1: ha1(0)))
        var settings = QueueSettings()
        settings.strategy = .leastRecent
        settings.maxWaiting = 5
        settings.maxWaitSeconds = 120
        settings.recordAll = true
        settings.stickyAgent = true
        settings.announcement = .init(soundId: "system:queue-periodic", everySeconds: 30)
        settings.timeoutDestination = .voicemail(extensionID: carla)
        settings.overflowDestination = .external(number: "+34911000999")
        t.queues = [.init(extensionID: support, settings: settings, agents: [
            .init(extensionID: ana, penalty: 0, state: .loggedIn),
            .init(extensionID: bruno, penalty: 2, pinSalt: "0123456789abcdef", pinSHA1: String(repeating: "a", count: 40), state: .paused),
            .init(extensionID: carla, penalty: 0, supervisor: true, state: .loggedOut),
        ])]
        t.ivrs = [.init(extensionID: menu, contexts: [
            .init(id: mainContext, name: "Main", entry: true, directDial: true, timeoutSeconds: 4, maxRetries: 2, options: [
                "start": [.play(soundId: "system:welcome"),
                          .httpNotification(url: webhook, timeoutSeconds: 3, branches: [[.transfer(.queue(id: support))]], otherwise: [])],
                "1": [.transfer(.queue(id: support))],
                "2": [.goto(contextId: salesContext)],
                "0": [.transfer(.extensionTarget(id: carla))],
                "star": [.listenVoicemail],
                "timeout": [.play(soundId: "system:try-again")],
                "invalid": [.play(soundId: "system:invalid")],
            ]),
            .init(id: salesContext, name: "Sales", options: [
                "start": [.timeRouting(intervalId: office, then: [.play(soundId: "system:one-moment")],
                                       otherwise: [.voicemail(extensionId: carla)])],
                "1": [.transfer(.group(id: sales))],
                "9": [.goto(contextId: mainContext)],
            ]),
        ])]
        t.callFlows = [.init(id: nightFlow, name: "Night line", actions: [
            .lookupName(url: lookup, timeoutSeconds: 2),
            .callerNumber(prefix: "9", suffix: ""),
            .setLanguage("en"),
            .email(to: "boss@acme.example", template: "Call from {number}"),
            .transfer(.ivr(id: menu)),
        ])]
        t.publicNumbers.append(.init(id: "n-ivr", number: "+34910000010", destination: .ivr(id: menu)))
        t.publicNumbers.append(.init(id: "n-queue", number: "+34910000011", destination: .queue(id: support)))
        t.publicNumbers.append(.init(id: "n-flow", number: "+34910000012", destination: .callFlow(id: nightFlow)))
        t.outgoingCallerIDs = ["+34910000001", "+34910000002"]
        return t
    }
}
