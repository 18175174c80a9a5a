import Dialplan
import Foundation
import TestSupport

/// Plays one scenario on a real Asterisk: a private node at the scenario's instant holding the
/// tenant's bundle, SIPp phones in the states the scenario gives (registered and ringing,
/// answering, on another call, not registered), a SIPp carrier, and the call itself —
/// delivered by the carrier from the caller's number, or, when the caller presses keys, as a
/// local channel whose keys the test sends when the dial plan waits for them. The call is
/// followed over the manager interface and ended once its outcome is settled.
struct CallRun {
    let snapshot: TenantSnapshot
    let scenario: Scenario
    /// The extension whose phone dials `scenario.to` (external numbers, feature codes), instead
    /// of the carrier or a local channel calling in.
    var dialledFrom: String? = nil
    /// Keys the caller presses while the dial plan runs an application (`["VoiceMail": "0"]`:
    /// 0 during the mailbox greeting), 1.5 s after it starts.
    var keysDuring: [String: String] = [:]
    /// Keys the answering phone presses once connected (`*1`: record on demand), 1 s after.
    var calleeKeys: String? = nil
    /// The carrier's caller sends the scenario's keys in band (RFC 2833), timed, instead of
    /// the harness sending them when the dial plan waits.
    var keysInBand = false
    /// Queue agents log in and pause with their phones' feature codes, not the portal's commands.
    var agentsByPhone = false

    struct Failure: Error, CustomStringConvertible { let description: String }

    var plan: CallPlan { DialplanCompiler.plan(snapshot, options: ConformanceTenants.options) }

    /// Plays the call and returns Asterisk's path; when `expected` is given and the path differs,
    /// throws while the node still runs (so `CENTRALITA_KEEP_ASTERISK=1` keeps its folder).
    func play(expecting expected: [String]? = nil) async throws -> ObservedCall {
        let bundle = DialplanCompiler.compile(snapshot, options: ConformanceTenants.options)
        let plan = self.plan
        let scenario = self.scenario
        let snapshot = self.snapshot
        let files = ScenarioWeb.files(bundle.files, for: scenario)
        return try await Conformance.withNode(bundles: [snapshot.prefix: files], clock: scenario.at) { node in
            let ami = try await node.manager()
            defer { ami.close() }
            let peers = SIPpPeers(node: node)
            var running: [Shell.Running] = []
            defer { for p in running { p.signal(SIGKILL) } }
            var reachable: [String] = []
            var busy: [String] = []
            for ext in snapshot.extensions where ext.kind == .phone {
                let device = scenario.devices[ext.number] ?? .registered
                if device == .unregistered { continue }
                let port = try await peers.register(ext.sipUsername, password: ConformanceTenants.password(ext.sipUsername))
                running.append(try peers.peer(device == .answers || device == .busy ? .answers : .rings, port: port,
                                              log: node.directory + "/phone-\(ext.number).log"))
                if device == .busy { busy.append(ext.sipUsername) } else { reachable.append(ext.sipUsername) }
            }
            let carrierAnswers = scenario.devices.contains { $0.key.hasPrefix("+") && $0.value == .answers }
            running.append(try peers.peer(carrierAnswers ? .answers : .rings, address: AsteriskNode.carrierAddress, port: node.carrierPort,
                                          log: node.directory + "/carrier.log"))
            for user in reachable + busy { try await Self.waitForDeviceState(ami, user, ["NOT_INUSE"]) }
            for user in busy {
                try await ami.action(["Action": "Originate", "Channel": "PJSIP/\(user)", "Application": "Wait", "Data": "300", "Async": "true"])
                try await Self.waitForDeviceState(ami, user, ["INUSE", "BUSY"])
            }
            // *74N states the scenario assumes: the dial plan reads them from Asterisk's database.
            for (key, on) in scenario.toggles ?? [:] {
                let parts = key.split(separator: "/")
                guard parts.count == 2 else { continue }
                try await ami.action(["Action": "DBPut", "Family": "centralita-\(snapshot.prefix)", "Key": "\(parts[0])-\(parts[1])", "Val": on ? "on" : "off"])
            }
            try await Self.prepareQueues(ami, plan: plan, scenario: scenario, byPhone: agentsByPhone)
            let start = ami.events.count
            let main: String
            let linkedID: String
            if let ext = dialledFrom, let phone = snapshot.extensions.first(where: { $0.number == ext }) {
                let caller = try peers.dial(scenario.to, from: phone.sipUsername, password: ConformanceTenants.password(phone.sipUsername))
                running.append(caller)
                let prefix = "PJSIP/\(phone.sipUsername)-"
                guard let first = try await Self.firstStep(ami, after: start, caller: caller, channelPrefix: prefix) else {
                    return ObservedCall(steps: ["outcome notRouted"], applications: [], carrierLog: "")
                }
                main = first["Channel"] ?? ""
                linkedID = first["Linkedid"] ?? ""
            } else if scenario.to.hasPrefix("+") {
                let caller = try peers.call(scenario.to, from: scenario.from,
                                            inBandKeys: keysInBand ? (scenario.presses ?? [scenario.keys]).joined() : nil)
                running.append(caller)
                guard let first = try await Self.firstStep(ami, after: start, caller: caller) else {
                    // The node refused the call without running any dial plan (404: no such number).
                    return ObservedCall(steps: ["outcome notRouted"], applications: [], carrierLog: "")
                }
                main = first["Channel"] ?? ""
                linkedID = first["Linkedid"] ?? ""
            } else {
                // An internal number: a local channel enters the tenant's internal context with
                // the scenario's caller ID, as a call transferred there would; its caller's side
                // sends a tone all along, as a phone sends audio.
                linkedID = "call-\(UUID().uuidString.prefix(8))"
                let caller = scenario.from == "anonymous" ? "\"Anonymous\" <anonymous>" : "<\(scenario.from)>"
                try await ami.action(["Action": "Originate", "Channel": "Local/\(scenario.to)@\(snapshot.prefix)-ext/n", "Application": "Milliwatt",
                                      "Data": "m", "CallerID": caller, "ChannelId": linkedID, "OtherChannelId": linkedID + "-2", "Async": "true"])
                let first = try await ami.waitForEvent(timeout: .seconds(20), after: start) { $0.event == "Newexten" && $0["Uniqueid"] == linkedID + "-2" }
                main = first["Channel"] ?? ""
            }
            var answers = keysInBand ? [] : scenario.presses ?? {
                var parts = scenario.keys.split(separator: "#", omittingEmptySubsequences: false).map(String.init)
                if parts.last == "" { parts.removeLast() }
                return parts
            }()
            try await Self.follow(ami, main: main, from: start, answers: &answers, keysDuring: keysDuring, calleeKeys: calleeKeys)
            try await Task.sleep(for: .milliseconds(300))
            // The call's events: every channel of it carries its Linkedid (transfer events name it
            // per party: TransfererLinkedid, TransfereeLinkedid …).
            let events = ami.events[start...].filter { $0.fields.contains { $0.key.hasSuffix("Linkedid") && $0.value == linkedID } }
            var observed = ObservedCall(events: Array(events), main: main, plan: plan, trunk: ConformanceTenants.options.trunk)
            observed.carrierLog = (try? String(contentsOfFile: node.directory + "/carrier.log", encoding: .utf8)) ?? ""
            observed.problems = node.problems
            if let expected, !ObservedCall.agrees(expected, observed.steps) {
                throw Failure(description: "Asterisk took \(observed.steps), the simulator says \(expected)")
            }
            return observed
        }
    }

    /// Waits for the call's dial-plan channel to hang up, ending the call once nothing the
    /// dial plan does next depends on the call going on: a mailbox has started recording, the
    /// caller has been connected, or the voicemail menu has started.
    /// Keys are the caller's answers, one per prompt: sent (as DTMF the channel receives) when
    /// the dial plan starts waiting for them, `#`-terminated where it reads a number.
    static func follow(_ ami: AMIClient, main: String, from start: Int, answers: inout [String], keysDuring: [String: String] = [:],
                       calleeKeys: String? = nil, timeout: Duration = .seconds(90)) async throws {
        var keysDuring = keysDuring
        var calleeKeys = calleeKeys
        let deadline = ContinuousClock.now + timeout
        var seen = start
        var hangUpAt: ContinuousClock.Instant?
        var pending: (at: ContinuousClock.Instant, keys: String)?
        while ContinuousClock.now < deadline {
            let events = ami.events
            for e in events[seen...] {
                if e.event == "Hangup", e["Channel"] == main { return }
                if e.event == "Newexten", e["Channel"] == main, let app = e["Application"], app == "Read" || app == "WaitExten" {
                    guard !answers.isEmpty else { continue }
                    let answer = answers.removeFirst()
                    // A moment after the prompt starts, as a person would: keys that arrive
                    // while Read is still answering the channel are lost.
                    pending = (ContinuousClock.now + .milliseconds(600), app == "Read" ? answer + "#" : answer)
                }
                if e.event == "Newexten", e["Channel"] == main, let app = e["Application"], let keys = keysDuring.removeValue(forKey: app) {
                    pending = (ContinuousClock.now + .milliseconds(1500), keys)
                    hangUpAt = nil
                    continue
                }
                if e.event == "DialEnd", e["Channel"] == main, e["DialStatus"] == "ANSWER", let keys = calleeKeys, let callee = e["DestChannel"] {
                    calleeKeys = nil
                    try await Task.sleep(for: .seconds(1))
                    for key in keys {
                        try await ami.action(["Action": "PlayDTMF", "Channel": callee, "Digit": String(key), "Duration": "120", "Receive": "true"])
                    }
                    // Long enough for what the keys start (a transfer rings its target).
                    hangUpAt = ContinuousClock.now + .seconds(8)
                    continue
                }
                let settled = (e.event == "Newexten" && e["Channel"] == main && ["VoiceMail", "VoiceMailMain", "ChanSpy"].contains(e["Application"] ?? ""))
                    || (e.event == "DialEnd" && e["Channel"] == main && e["DialStatus"] == "ANSWER")
                if settled, hangUpAt == nil { hangUpAt = ContinuousClock.now + .milliseconds(700) }
            }
            seen = events.count
            if let (at, keys) = pending, ContinuousClock.now >= at {
                pending = nil
                for key in keys {
                    let r = try await ami.action(["Action": "PlayDTMF", "Channel": main, "Digit": String(key), "Duration": "120", "Receive": "true"])
                    if ProcessInfo.processInfo.environment["CENTRALITA_DEBUG_DTMF"] != nil { print("DTMF", key, main, ContinuousClock.now, r) }
                }
            }
            if let at = hangUpAt, ContinuousClock.now >= at {
                try await ami.action(["Action": "Hangup", "Channel": main])
                hangUpAt = ContinuousClock.now + .seconds(5)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw Failure(description: "the call on \(main) did not end within \(timeout)")
    }

    /// The first dial-plan step of the carrier's call, or nil when the carrier's call ended
    /// without reaching the dial plan.
    static func firstStep(_ ami: AMIClient, after start: Int, caller: Shell.Running,
                          channelPrefix: String = "PJSIP/centralita-trunk-") async throws -> AMIClient.Message? {
        let deadline = ContinuousClock.now + .seconds(20)
        var seen = start
        while ContinuousClock.now < deadline {
            let events = ami.events
            if let hit = events[seen...].first(where: { $0.event == "Newexten" && ($0["Channel"] ?? "").hasPrefix(channelPrefix) }) {
                return hit
            }
            seen = events.count
            if !AsteriskNode.isAlive(caller.pid) {
                try await Task.sleep(for: .milliseconds(200))
                let late = ami.events[start...].first { $0.event == "Newexten" && ($0["Channel"] ?? "").hasPrefix(channelPrefix) }
                return late
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw Failure(description: "the carrier's call neither reached the dial plan nor ended: \(caller.output.suffix(400))")
    }

    /// Asterisk qualifies a contact as soon as it registers, which is before the phone's
    /// answering SIPp listens on the same port: an UNAVAILABLE phone is qualified again, every
    /// second, until it answers.
    static func waitForDeviceState(_ ami: AMIClient, _ user: String, _ states: Set<String>, timeout: Duration = .seconds(45)) async throws {
        let deadline = ContinuousClock.now + timeout
        var last = ""
        var nextQualify = ContinuousClock.now + .milliseconds(500)
        while ContinuousClock.now < deadline {
            last = try await ami.action(["Action": "Getvar", "Variable": "DEVICE_STATE(PJSIP/\(user))"])["Value"] ?? ""
            if states.contains(last) { return }
            if last == "UNAVAILABLE", ContinuousClock.now >= nextQualify {
                try await ami.action(["Action": "PJSIPQualify", "Endpoint": user])
                nextQualify = ContinuousClock.now + .seconds(1)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Failure(description: "PJSIP/\(user) stayed \(last), expected \(states.sorted())")
    }
}
