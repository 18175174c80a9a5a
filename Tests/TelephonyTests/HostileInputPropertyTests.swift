import Foundation
import PropertyTesting
import Testing
@testable import Telephony

/// No request value can trap the validators: random and boundary values (Int.max, Int.min,
/// NUL, long strings) go through every decoder and `problems()` of the domain, which must
/// answer with problems, never abort the process. A trap here is an outage for every tenant.
@Suite struct HostileInputPropertyTests {
    static let ruleKeys = ["kind", "callerId", "match", "number", "intervalId", "keypadCode", "enabled", "continue", "totalSeconds",
                           "steps", "destination", "afterSeconds", "extensionState", "callState", "password", "soundId", "type", "id",
                           "cascade", "busy", "transfer", "identify", "external", "extension", "equals", "+34910000000"]
    static let actionKeys = ["type", "soundId", "destination", "contextId", "number", "extensionId", "intervalId", "then", "else", "url",
                             "timeoutSeconds", "branches", "default", "prefix", "suffix", "to", "template", "language", "play",
                             "httpNotification", "lookupName", "timeRouting", "callerNumber", "email", "https://a.example/{number}"]

    func destination(_ g: inout SeededGenerator) -> Destination {
        Arbitrary.element([.extensionTarget(id: Arbitrary.string(&g)), .group(id: "g"), .voicemail(extensionID: "e"),
                           .external(number: Arbitrary.string(&g)), .queue(id: "q"), .ivr(id: "i"), .ruleGroup(id: "r"),
                           .callFlow(id: "c")], &g)
    }

    @Test func cascadeWithTheLargestStepIsRefusedNotATrap() {
        var cascade = IncomingRule(kind: .cascade)
        cascade.totalSeconds = 30
        cascade.steps = [.init(destination: .extensionTarget(id: "e"), afterSeconds: 0),
                         .init(destination: .extensionTarget(id: "e"), afterSeconds: 9_223_372_036_854_775_807),
                         .init(destination: .extensionTarget(id: "e"), afterSeconds: 9_223_372_036_854_775_807)]
        let fields = cascade.problems().map(\.field)
        #expect(fields == ["steps[1].afterSeconds", "steps[2].afterSeconds"])
    }

    @Test func anyRuleGetsProblemsNotATrap() {
        forAll(iterations: 3_000) { g in
            var rule = IncomingRule(kind: Arbitrary.element(IncomingRule.Kind.allCases, &g))
            rule.callerId = .init(match: Arbitrary.element(IncomingRule.CallerMatch.allCases, &g),
                                  number: Arbitrary.bool(&g) ? Arbitrary.string(&g) : nil)
            rule.keypadCode = Arbitrary.optionalInt(&g)
            rule.totalSeconds = Arbitrary.bool(&g) ? Arbitrary.element([5, 30, 600], &g) : Arbitrary.optionalInt(&g)
            rule.steps = (0..<Int(g.next() % 6)).map { _ in .init(destination: destination(&g), afterSeconds: Arbitrary.int(&g)) }
            rule.destination = Arbitrary.bool(&g) ? destination(&g) : nil
            rule.password = Arbitrary.bool(&g) ? Arbitrary.string(&g) : nil
            _ = rule.problems()
            _ = rule.destinations
        }
    }

    @Test func anyRuleJSONDecodesOrFailsNotATrap() {
        forAll(iterations: 3_000) { g in
            let json = Arbitrary.json(&g, depth: 4, keys: Self.ruleKeys)
            if let rule = try? JSONDecoder().decode(IncomingRule.self, from: Data(json.utf8)) { _ = rule.problems() }
        }
    }

    @Test func anyActionListDecodesAndIsCheckedNotATrap() {
        forAll(iterations: 3_000) { g in
            let json = "[" + (0..<Int(g.next() % 4)).map { _ in Arbitrary.json(&g, depth: 4, keys: Self.actionKeys) }.joined(separator: ",") + "]"
            if let actions = try? JSONDecoder().decode([MenuAction].self, from: Data(json.utf8)) {
                _ = MenuAction.problems(actions, path: "actions")
            }
        }
    }

    @Test func anyActionValuesAreCheckedNotATrap() {
        forAll(iterations: 3_000) { g in
            let action: MenuAction = Arbitrary.element([
                .play(soundId: Arbitrary.string(&g)), .dialExternal(number: Arbitrary.string(&g)),
                .httpNotification(url: Arbitrary.string(&g), timeoutSeconds: Arbitrary.int(&g),
                                  branches: (0..<Int(g.next() % 8)).map { _ in [.hangup] }, otherwise: []),
                .lookupName(url: Arbitrary.string(&g), timeoutSeconds: Arbitrary.int(&g)),
                .callerNumber(prefix: Arbitrary.string(&g), suffix: Arbitrary.string(&g)),
                .email(to: Arbitrary.string(&g), template: Arbitrary.string(&g)), .setLanguage(Arbitrary.string(&g)),
            ], &g)
            _ = MenuAction.problems([action, action], path: "actions")
        }
    }

    @Test func anyQueueSettingsAreCheckedNotATrap() {
        forAll(iterations: 3_000) { g in
            var s = QueueSettings()
            s.maxWaiting = Arbitrary.int(&g)
            s.retrySeconds = Arbitrary.int(&g)
            s.serviceLevelSeconds = Arbitrary.int(&g)
            s.maxWaitSeconds = Arbitrary.int(&g)
            s.holdMusicId = Arbitrary.bool(&g) ? Arbitrary.string(&g) : nil
            s.announcement = Arbitrary.bool(&g) ? .init(soundId: Arbitrary.string(&g), everySeconds: Arbitrary.int(&g)) : nil
            s.timeoutDestination = Arbitrary.bool(&g) ? destination(&g) : nil
            _ = s.problems()
        }
    }

    @Test func anyIntervalIsCheckedAndEvaluatedNotATrap() {
        let instants = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 1_795_000_000), Date.distantFuture, Date.distantPast]
        forAll(iterations: 3_000) { g in
            let time = { (g: inout SeededGenerator) in TimeOfDay(minutes: Int(g.next() % 1440)) ?? .midnight }
            let date = { (g: inout SeededGenerator) in LocalDate(year: Int(g.next() % 9999) + 1, month: Int(g.next() % 12) + 1, day: 1) }
            let interval = CalendarInterval(
                algorithm: Arbitrary.element(CalendarInterval.Algorithm.allCases, &g),
                timeZone: Arbitrary.element(["Europe/Madrid", "UTC", "Nowhere/Else", "", "\u{0}"], &g),
                startTime: time(&g), endTime: time(&g),
                startWeekday: Arbitrary.bool(&g) ? Arbitrary.element(Weekday.allCases, &g) : nil,
                endWeekday: Arbitrary.bool(&g) ? Arbitrary.element(Weekday.allCases, &g) : nil,
                startDay: Arbitrary.int(&g), endDay: Arbitrary.int(&g), months: (0..<Int(g.next() % 4)).map { _ in Arbitrary.int(&g) },
                startDate: Arbitrary.bool(&g) ? date(&g) : nil, endDate: Arbitrary.bool(&g) ? date(&g) : nil)
            _ = interval.problems()
            _ = interval.asteriskSpecs()
            for instant in instants { _ = interval.contains(instant) }
        }
    }

    @Test func anIntervalWhoseDatesAreReversedContainsNothingInsteadOfTrapping() throws {
        let interval = CalendarInterval(timeZone: "UTC", startTime: .midnight, endTime: .midnight,
                                        startDate: LocalDate("2026-12-31"), endDate: LocalDate("2026-01-01"))
        #expect(interval.problems().map(\.field) == ["endDate"])
        #expect(!interval.contains(Date(timeIntervalSince1970: 1_780_000_000)))
    }

    @Test func textValuesParseOrAreRefusedNotATrap() {
        forAll(iterations: 5_000) { g in
            let text = Arbitrary.string(&g)
            _ = TimeOfDay(text)
            _ = LocalDate(text)
            _ = PhoneNumber.e164(text)
            _ = try? JSONDecoder().decode(Destination.self, from: Data(Arbitrary.json(&g, depth: 2, keys: ["type", "id", "number", "external"]).utf8))
        }
    }
}
