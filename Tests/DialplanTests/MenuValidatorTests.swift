import Testing
import Telephony
@testable import Dialplan

/// IVR-4's "test" over queues, IVR contexts and call flows.
@Suite struct MenuValidatorTests {
    func findings(_ t: TenantSnapshot) -> [Finding] { Validator(t).findings().filter { $0.code != "unroutedNumber" } }

    @Test func theContactCentreIsConsistent() {
        #expect(findings(Fixtures.contactCenter).isEmpty, "\(findings(Fixtures.contactCenter).map(\.message))")
    }

    @Test func aQueueWithNoAgentsIsAWarning() {
        var t = Fixtures.contactCenter
        t.queues[0].agents = []
        let f = findings(t)
        #expect(f.map(\.code) == ["queueWithoutAgents"])
        #expect(f.first?.severity == .warning)
        #expect(f.first?.resource == "queue")
    }

    @Test func danglingTargetsAndMissingSoundsAreErrorsWithTheirField() {
        var t = Fixtures.contactCenter
        t.ivrs[0].contexts[0].options["1"] = [.transfer(.queue(id: "gone"))]
        t.ivrs[0].contexts[0].options["3"] = [.play(soundId: "user:deleted")]
        t.ivrs[0].contexts[0].options["4"] = [.goto(contextId: "nowhere")]
        t.ivrs[0].contexts[1].options["start"] = [.timeRouting(intervalId: "old", then: [], otherwise: [])]
        t.queues[0].settings.announcement = .init(soundId: "user:gone", everySeconds: 30)
        let f = findings(t)
        #expect(Set(f.map(\.code)) == ["danglingDestination", "missingSound", "danglingContext", "danglingInterval"])
        #expect(f.allSatisfy { $0.severity == .error })
        #expect(f.contains { $0.field == "options.1[0].destination" && $0.resourceId == Fixtures.mainContext })
        #expect(f.contains { $0.field == "options.3[0].soundId" })
        #expect(f.contains { $0.field == "options.start[0].intervalId" && $0.resourceId == Fixtures.salesContext })
        #expect(f.contains { $0.field == "announcement.soundId" && $0.resource == "queue" })
    }

    @Test func aContextNothingGoesToIsUnreachable() {
        var t = Fixtures.contactCenter
        t.ivrs[0].contexts[0].options["2"] = nil
        let f = findings(t)
        #expect(f.map(\.code) == ["unreachableContext"])
        #expect(f.first?.resourceId == Fixtures.salesContext)
    }

    @Test func startsThatGoRoundInACircleAreALoop() {
        var t = Fixtures.contactCenter
        t.ivrs[0].contexts[0].options["start"] = [.goto(contextId: Fixtures.salesContext)]
        t.ivrs[0].contexts[1].options["start"] = [.goto(contextId: Fixtures.mainContext)]
        #expect(findings(t).contains { $0.code == "menuLoop" && $0.severity == .error })
    }

    @Test func aContextWithoutKeysWhoseStartGoesNowhereIsAWarning() {
        var t = Fixtures.contactCenter
        t.ivrs[0].contexts[1].options = ["start": [.play(soundId: "system:welcome")]]
        #expect(findings(t).map(\.code) == ["noOptions"])
    }

    @Test func anIVRWithoutContextsIsAnError() {
        var t = Fixtures.contactCenter
        t.ivrs[0].contexts = []
        #expect(findings(t).map(\.code).contains("ivrWithoutContexts"))
    }

    @Test func callFlowsPointingAtDeletedThingsAreErrors() {
        var t = Fixtures.contactCenter
        t.callFlows[0].actions = [.transfer(.ivr(id: "gone"))]
        let f = findings(t)
        #expect(f.map(\.code) == ["danglingDestination"])
        #expect(f.first?.resource == "callFlow")
        #expect(f.first?.field == "actions[0].destination")
    }
}
