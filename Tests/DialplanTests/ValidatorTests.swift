import Testing
import Telephony
@testable import Dialplan

@Suite struct ValidatorTests {
    func codes(_ s: TenantSnapshot) -> [String] { Validator(s).findings().map(\.code) }

    @Test func theRichTenantOnlyWarnsAboutItsUnroutedNumber() {
        let findings = Validator(Fixtures.rich).findings()
        #expect(findings.map(\.code) == ["unroutedNumber"])
        #expect(findings.allSatisfy { $0.severity == .warning })
    }

    @Test func danglingDestinationsAndSwitchedOffVoicemailAreErrors() {
        var t = Fixtures.rich
        t.publicNumbers.append(.init(id: "n6", number: "+34910000006", destination: .extensionTarget(id: "gone")))
        t.publicNumbers.append(.init(id: "n7", number: "+34910000007", destination: .voicemail(extensionID: Fixtures.bruno)))
        t.publicNumbers.append(.init(id: "n8", number: "+34910000008", destination: .ruleGroup(id: "g")))
        t.publicNumbers.append(.init(id: "n9", number: "+34910000009", destination: .queue(id: "q")))
        let f = Validator(t).findings().filter { $0.severity == .error }
        #expect(f.map(\.code) == ["danglingDestination", "voicemailOff", "unsupportedDestination", "danglingDestination"])
        #expect(f.map(\.resourceId) == ["n6", "n7", "n8", "n9"])
    }

    @Test func aRuleAfterAnUnconditionalStopRuleIsShadowed() {
        var t = Fixtures.rich
        t.extensions[0].rules.insert(.init(id: "first", position: 0, rule: Fixtures.rule(.hangup)), at: 0)
        let f = Validator(t).findings().filter { $0.code == "shadowedRule" }
        #expect(f.map(\.resourceId) == ["r-dario-1", "r-dario-2"])
    }

    @Test func cascadeStepsBeyondTheTotalNeverRing() {
        var t = Fixtures.rich
        var rule = Fixtures.rule(.cascade) { $0.totalSeconds = 10; $0.steps = [.init(destination: .external(number: "+34600000001"), afterSeconds: 0),
                                                                              .init(destination: .voicemail(extensionID: Fixtures.ana), afterSeconds: 12)] }
        rule.continue = true
        t.extensions[1].rules = [.init(id: "c", position: 1, rule: rule)]
        #expect(codes(t).contains("cascadeTooLong"))
        #expect(codes(t).contains("notRingable"))
    }

    @Test func loopsWithNoExitAreErrors() {
        var t = Fixtures.rich
        for i in t.extensions.indices where ["1001", "1002"].contains(t.extensions[i].number) {
            let other = t.extensions[i].number == "1001" ? Fixtures.bruno : Fixtures.ana
            t.extensions[i].rules = [.init(id: "x\(i)", position: 1, rule: Fixtures.rule(.transfer) {
                $0.destination = .extensionTarget(id: other); $0.extensionState = .any; $0.callState = .any
            })]
        }
        let loops = Validator(t).findings().filter { $0.code == "loop" }
        #expect(loops.count == 1)
        #expect(loops.first?.message.contains("1001") == true)
    }

    @Test func voicemailWithoutPinMissingSoundsAndMissingEmail() {
        var t = Fixtures.rich
        t.extensions[1].voicemail.pin = nil                  // Carla
        t.extensions[1].voicemail.notify = .alert            // Carla has no e-mail
        t.extensions[2].rules[0].rule.soundId = "welcome"    // Bruno's identify rule
        let c = codes(t)
        #expect(c.contains("voicemailWithoutPin"))
        #expect(c.contains("voicemailWithoutEmail"))
        #expect(c.contains("missingSound"))
        #expect(Validator(t).findings().first { $0.code == "voicemailWithoutPin" }?.severity == .error)
    }
}
