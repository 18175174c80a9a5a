import Dialplan
import Foundation
import Testing
import TestSupport

/// Calls that phones make (CALL-1, EXT-4 feature codes) on a real Asterisk: what the carrier
/// receives for external and emergency numbers (number, caller ID, privacy), the codes a phone
/// dials, and dialled strings built to break the dial plan.
@Suite(.enabled(if: Conformance.available, "no Asterisk 22 here (CENTRALITA_ASTERISK)"))
struct PhoneCallTests {
    static let t = ConformanceTenants.self

    /// Applications a tenant's call must never reach, whatever it dials or sends as caller ID.
    static let forbidden: Set<String> = ["System", "TrySystem", "Exec", "TryExec", "ExecIf2", "AGI", "EAGI", "DeadAGI", "Originate", "DBdeltree",
                                         "ChannelRedirect", "Dictate", "ExternalIVR", "Monitor", "SendText", "SoftHangup"]

    /// `2001` dials `number` with the carrier answering.
    func dial(_ number: String, from ext: String = "2001", devices: [String: Scenario.Device] = [:]) async throws -> ObservedCall {
        var run = CallRun(snapshot: Self.t.rules, scenario: Scenario(to: number, from: ext, at: Self.t.tuesdayMorning,
                                                                     devices: devices.merging(["+": .answers]) { a, _ in a }))
        run.dialledFrom = ext
        return try await run.play()
    }

    /// The carrier's log line for the INVITE it received, or "".
    func invite(_ call: ObservedCall) -> String {
        call.carrierLog.split(separator: "\n").first { $0.contains("INVITE") }.map(String.init) ?? ""
    }

    @Test func anExternalCallShowsThePhonesPublicNumber() async throws {
        let call = try await dial("+34699000111")
        #expect(invite(call).contains("user=+34699000111"), "\(call.carrierLog)")
        #expect(invite(call).contains("<sip:+34910500001@"), "\(call.carrierLog)")
        #expect(call.problems == [])
    }

    @Test func aTrailingHHidesTheCallerID() async throws {
        let call = try await dial("+34699000111h")
        #expect(invite(call).contains("user=+34699000111 "), "\(call.carrierLog)")
        #expect(!invite(call).contains("+34910500001"), "\(call.carrierLog)")
        #expect(invite(call).lowercased().contains("anonymous"), "\(call.carrierLog)")
    }

    @Test func aTrailingC1ShowsTheTenantsFirstOutgoingCallerID() async throws {
        let call = try await dial("+34699000111c1")
        #expect(invite(call).contains("user=+34699000111 "), "\(call.carrierLog)")
        #expect(invite(call).contains("<sip:+34910500002@"), "\(call.carrierLog)")
    }

    @Test func theInternationalPrefixBecomesAPlus() async throws {
        let call = try await dial("0034699000111")
        #expect(invite(call).contains("user=+34699000111 "), "\(call.carrierLog)")
    }

    @Test func anEmergencyNumberGoesOutWithTheTenantsMainNumber() async throws {
        let call = try await dial("112")
        #expect(invite(call).contains("user=112 "), "\(call.carrierLog)")
        #expect(invite(call).contains("<sip:\(try #require(DialplanCompiler.plan(Self.t.rules).mainNumber))@"), "\(call.carrierLog)")
    }

    @Test func anInternalNumberRingsThePhone() async throws {
        let call = try await dial("2002", devices: ["2002": .answers])
        #expect(call.events.contains { $0.event == "DialEnd" && $0["DialStatus"] == "ANSWER" && ($0["DestChannel"] ?? "").hasPrefix("PJSIP/500000002-") })
    }

    @Test func starSeventyFourTogglesARuleAndSaysSo() async throws {
        let call = try await dial("*743")
        let toggle = call.events.first { $0.event == "UserEvent" && $0["UserEvent"] == "CentralitaRuleToggle" }
        #expect(toggle?["Extension"] == "2001")
        #expect(toggle?["Code"] == "3")
        #expect(toggle?["State"] == "off", "the rule was on, so *743 turns it off")
        #expect(call.events.contains { $0.event == "Newexten" && $0["Application"] == "Playback" && $0["AppData"] == "de-activated" })
    }

    @Test func starNinetyFiveOpensTheOwnMailbox() async throws {
        let call = try await dial("*95")
        #expect(call.events.contains { $0.event == "Newexten" && $0["Application"] == "VoiceMailMain" && ($0["AppData"] ?? "").hasPrefix("2001@t501") })
    }

    /// Dialled strings that would be dial-plan code if spliced into an argument: escaped in the
    /// SIP request URI, unescaped by PJSIP into `EXTEN`.
    static let hostileDialled = [
        "+1%29%3ASystem%28touch%20%2Ftmp%2Fcentralita-pwned%29",
        "+34600%2CSystem%28id%29",
        "+34600%7CSystem(id)",
        "+34600%3BSystem%28id%29",
        "+34600%24%7BSHELL%28id%29%7D",
        "+34600%0ASystem%28id%29",
        "0034600%29%26Local%2F1%40t1-ext",
    ]

    @Test(arguments: hostileDialled)
    func aHostileDialledStringRunsNothingAndIsRefused(_ dialled: String) async throws {
        let call = try await dial(dialled)
        #expect(Set(call.applications).isDisjoint(with: Self.forbidden), "\(call.applications)")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/centralita-pwned"))
        #expect(invite(call) == "", "nothing may reach the carrier: \(call.carrierLog)")
    }

    /// Caller IDs a carrier (or a spoofing caller) could send.
    static let hostileCallers = [
        "+34600%29%3ASystem%28id%29",
        "+34600%2CTenant%3A%20t1",
        "%24%7BSHELL%28id%29%7D",
        "+34600%7Cx%3Bx",
    ]

    @Test(arguments: hostileCallers)
    func aHostileCallerIDRunsNothing(_ caller: String) async throws {
        let scenario = Scenario(to: "+34910500008", from: caller, at: Self.t.tuesdayMorning)
        let run = CallRun(snapshot: Self.t.rules, scenario: scenario)
        // The simulator is told the caller ID as PJSIP hands it to the dial plan: unescaped.
        var told = scenario
        told.from = caller.removingPercentEncoding ?? caller
        let call = try await run.play(expecting: ObservedCall.expected(Simulator(plan: run.plan).run(told)))
        #expect(Set(call.applications).isDisjoint(with: Self.forbidden), "\(call.applications)")
    }
}

/// VM-1: 0 pressed during a mailbox's greeting goes to the extension the user chose, in the
/// caller's tenant (every mailbox names its tenant's exit context).
@Suite(.enabled(if: Conformance.available, "no Asterisk 22 here (CENTRALITA_ASTERISK)"))
struct VoicemailExitTests {
    @Test func zeroDuringTheGreetingRingsTheChosenExtension() async throws {
        var run = CallRun(snapshot: ConformanceTenants.rules,
                          scenario: Scenario(to: "+34910500001", from: "+34600000001", at: ConformanceTenants.saturday, devices: ["2002": .answers]))
        run.keysDuring = ["VoiceMail": "0"]
        let call = try await run.play()
        let steps = call.events.filter { $0.event == "Newexten" && $0["Channel"] == call.main }
        #expect(steps.contains { $0["Context"] == "t501-vmexit" && $0["Extension"] == "o" }, "\(call.steps)")
        #expect(call.steps.suffix(2) == ["ring answered by 2002", "outcome answered"], "\(call.steps)")
    }
}

/// REC-1/REC-2 on a real Asterisk: the recording notice does not answer the caller's leg, and
/// a phone with on-demand recording starts it with *1.
@Suite(.enabled(if: Conformance.available, "no Asterisk 22 here (CENTRALITA_ASTERISK)"))
struct RecordingTests {
    @Test func theRecordingNoticeLeavesTheCallUnansweredUntilThePhoneAnswers() async throws {
        let run = CallRun(snapshot: ConformanceTenants.rules,
                          scenario: Scenario(to: "2003", from: "2005", at: ConformanceTenants.tuesdayMorning, devices: ["2003": .answers]))
        let call = try await run.play()
        let mine = call.events.filter { $0["Channel"] == call.main }
        let up = mine.firstIndex { $0.event == "Newstate" && $0["ChannelStateDesc"] == "Up" }
        let answered = mine.firstIndex { $0.event == "DialEnd" && $0["DialStatus"] == "ANSWER" }
        let notice = mine.firstIndex { $0.event == "Newexten" && $0["Application"] == "Playback" && $0["AppData"] == "beep,noanswer" }
        #expect(notice != nil, "\(call.steps)")
        #expect(answered != nil)
        if let up, let answered { #expect(up > answered, "the caller's leg was answered before the phone answered") }
        #expect(call.steps.contains("record"))
    }

    /// CALL-1: the phone that answered presses *2 and a number: the caller goes there.
    @Test func starTwoTransfersTheCaller() async throws {
        var run = CallRun(snapshot: ConformanceTenants.rules,
                          scenario: Scenario(to: "+34910500007", from: "+34600000001", at: ConformanceTenants.tuesdayNight,
                                             devices: ["2005": .answers, "2002": .answers]))
        run.calleeKeys = "*22002#"
        let call = try await run.play()
        #expect(call.events.contains { $0.event == "BlindTransfer" && $0["Extension"] == "2002" }, "\(call.steps)")
        #expect(call.steps.contains("route 2002"),
                "\(call.steps) \(call.events.filter { $0.event == "Newexten" }.map { "\($0["Channel"] ?? "") \($0["Context"] ?? "") \($0["Extension"] ?? "") \($0["Priority"] ?? "") \($0["Application"] ?? "")" })")
        #expect(call.events.contains { $0.event == "DialEnd" && $0["DialStatus"] == "ANSWER" && ($0["DestChannel"] ?? "").hasPrefix("PJSIP/500000002-") })
    }

    @Test func starOneStartsRecordingOnAPhoneThatMayRecordOnDemand() async throws {
        var run = CallRun(snapshot: ConformanceTenants.rules,
                          scenario: Scenario(to: "+34910500007", from: "+34600000001", at: ConformanceTenants.tuesdayNight, devices: ["2005": .answers]))
        run.calleeKeys = "*1"
        let call = try await run.play()
        #expect(call.events.contains { $0.event == "MixMonitorStart" }, "\(call.steps)")
    }
}

/// QUE-5 on a real Asterisk: a queue's supervisor listens to (4#), whispers to (5#) or joins
/// (6#) an agent's call from their own phone; nobody else may.
@Suite(.enabled(if: Conformance.available, "no Asterisk 22 here (CENTRALITA_ASTERISK)"))
struct SupervisorTests {
    /// The queues tenant with Darío (3004) supervising the ring-all queue of Ana (3001).
    static let tenant: TenantSnapshot = {
        var t = ConformanceTenants.queues
        t.queues[0].agents.append(.init(extensionID: "e3004", supervisor: true))
        return t
    }()

    @Test(arguments: ["4#", "5#", "6#"])
    func theSupervisorJoinsAnAgentsCall(_ code: String) async throws {
        var run = CallRun(snapshot: Self.tenant, scenario: Scenario(to: code + "3001", from: "3004", at: ConformanceTenants.tuesdayMorning,
                                                                   devices: ["3001": .busy]))
        run.dialledFrom = "3004"
        let call = try await run.play()
        let spy = call.events.first { $0.event == "ChanSpyStart" }
        #expect((spy?["SpyeeChannel"] ?? "").hasPrefix("PJSIP/500000301-"), "\(call.steps)")
    }

    @Test func anAgentCannotListenToAnother() async throws {
        var run = CallRun(snapshot: Self.tenant, scenario: Scenario(to: "4#3001", from: "3002", at: ConformanceTenants.tuesdayMorning,
                                                                   devices: ["3001": .busy]))
        run.dialledFrom = "3002"
        let call = try await run.play()
        #expect(!call.events.contains { $0.event == "ChanSpyStart" })
        #expect(!call.applications.contains("ChanSpy"))
    }
}
