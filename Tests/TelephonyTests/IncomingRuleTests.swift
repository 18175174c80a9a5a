import Foundation
import Testing
@testable import Telephony

/// RUL-1, RUL-2 rules of the domain type, for every kind.
@Suite struct IncomingRuleTests {
    let ext = Destination.extensionTarget(id: "e1")

    func fields(_ rule: IncomingRule) -> Set<String> { Set(rule.problems().map(\.field)) }

    @Test func cascadeStepsMustFitTheirTotal() {
        var cascade = IncomingRule(kind: .cascade)
        #expect(fields(cascade) == ["totalSeconds"])
        cascade.totalSeconds = 30
        #expect(fields(cascade) == ["steps"])
        cascade.steps = [.init(destination: ext, afterSeconds: 0), .init(destination: .external(number: "+34600000000"), afterSeconds: 10),
                         .init(destination: ext, afterSeconds: 15)]
        #expect(cascade.problems().isEmpty, "starts at 0, 10 and 25 s, all within 30 s")
        cascade.steps?[2].afterSeconds = 20
        #expect(fields(cascade) == ["steps[2].afterSeconds"], "the third would start at 30 s")
        cascade.steps?[0].afterSeconds = 5
        #expect(fields(cascade).contains("steps[0].afterSeconds"))
        cascade.steps = [.init(destination: .group(id: "g"), afterSeconds: 0), .init(destination: .voicemail(extensionID: "e"), afterSeconds: 5),
                         .init(destination: .queue(id: "q"), afterSeconds: 5)]
        #expect(fields(cascade) == ["steps[1].destination.type", "steps[2].destination.type"], "a cascade only rings phones and numbers")
    }

    @Test func transfersNeedAReachableKindOfDestinationAndBothStates() {
        var transfer = IncomingRule(kind: .transfer)
        #expect(fields(transfer) == ["destination", "extensionState", "callState"])
        transfer.destination = .queue(id: "q")
        transfer.extensionState = .unregistered
        transfer.callState = .noAnswer
        #expect(fields(transfer) == ["destination.type"])
        transfer.destination = .voicemail(extensionID: "e1")
        #expect(transfer.problems().isEmpty)
    }

    @Test func identifyNeedsADigitPassword() {
        var identify = IncomingRule(kind: .identify)
        identify.destination = ext
        identify.password = "12a4"
        #expect(fields(identify) == ["password"])
        identify.password = "1234"
        #expect(identify.problems().isEmpty)
    }

    @Test func callerConditionsAndKeypadCodesAreChecked() {
        var rule = IncomingRule(kind: .hangup)
        rule.callerId = .init(match: .equals)
        rule.keypadCode = 12
        #expect(fields(rule) == ["callerId.number", "keypadCode"])
        rule.callerId = .init(match: .notEquals, number: "+34911111111")
        rule.keypadCode = 7
        #expect(rule.problems().isEmpty)
        rule.callerId = .init(match: .anonymous, number: "123")
        #expect(fields(rule) == ["callerId.number"])
        #expect(IncomingRule(kind: .congestion).problems().isEmpty && IncomingRule(kind: .busy).problems().map(\.field) == ["destination"])
    }

    @Test func onlyTheKindIsRequiredWhenDecoding() throws {
        let rule = try JSONDecoder().decode(IncomingRule.self, from: Data(#"{"kind":"hangup"}"#.utf8))
        #expect(rule.enabled && !rule.continue && rule.callerId.match == .any && rule.intervalId == nil)
    }
}
