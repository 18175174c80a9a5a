import Foundation
import Testing
import Telephony
@testable import Dialplan

/// What each QUE-1 strategy offers first, as app_queue does it (the Asterisk conformance
/// suite holds these against a real node): the support queue with Ana and Carla at penalty 0
/// and Bruno at penalty 2, all logged in.
@Suite struct QueueStrategySimulatorTests {
    static func firstOffer(_ strategy: QueueSettings.Strategy, _ devices: [String: Scenario.Device] = [:]) -> CallTrace.Event? {
        var t = Fixtures.contactCenter
        t.queues[0].settings.strategy = strategy
        t.queues[0].settings.stickyAgent = false
        for i in t.queues[0].agents.indices { t.queues[0].agents[i].state = .loggedIn }
        let trace = Simulator(plan: DialplanCompiler.plan(t)).run(MenuSimulatorTests.s(MenuSimulatorTests.queue, devices))
        return trace.events.first { $0.kind == "queueRing" }
    }

    @Test func ringAllOffersEveryFreeAgentOfTheLowestPenalty() {
        #expect(Self.firstOffer(.ringAll)?.detail["agents"] == "1001,1003")
        #expect(Self.firstOffer(.ringAll)?.detail["choice"] == "all")
    }

    @Test func linearOffersTheFirstInTheList() {
        #expect(Self.firstOffer(.linear)?.detail["agents"] == "1001")
    }

    @Test func theNodePicksOneOfTheLowestPenaltyForTheOtherStrategies() {
        for strategy in [QueueSettings.Strategy.leastRecent, .fewestCalls, .random, .randomMemory] {
            #expect(Self.firstOffer(strategy)?.detail["agents"] == "1001,1003", "\(strategy)")
            #expect(Self.firstOffer(strategy)?.detail["choice"] == "one", "\(strategy)")
        }
    }

    @Test func weightedRandomMayPickAnyFreeAgent() {
        #expect(Self.firstOffer(.weightedRandom)?.detail["agents"] == "1001,1003,1002")
    }

    @Test func aHigherPenaltyIsOfferedOnlyWhenTheLowerOnesAreBusy() {
        #expect(Self.firstOffer(.ringAll, ["1001": .busy, "1003": .busy])?.detail["agents"] == "1002")
        #expect(Self.firstOffer(.ringAll, ["1001": .busy, "1002": .answers])?.detail["agents"] == "1003")
    }

    @Test func randomMemoryIsRoundRobinOnTheNode() {
        #expect(QueueSettings.Strategy.randomMemory.asteriskName == "rrmemory")
    }
}
