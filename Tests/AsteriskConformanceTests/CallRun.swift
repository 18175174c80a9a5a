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

    struct Failure: Error, CustomStringConvertible { let description: String }

    var plan: CallPlan { DialplanCompiler.plan(snapshot, options: ConformanceTenants.options) }

    func play() async throws -> ObservedCall {
        let bundle = DialplanCompiler.compile(snapshot, options: ConformanceTenants.options)
        let plan = self.plan
        let scenario = self.scenario
        let snapshot = self.snapshot
        return try await Conformance.withNode(bundles: [snapshot.prefix: bundle.files], clock: scenario.at) { node in
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
                let port = try Ports.freeUDP()
                try await peers.register(ext.sipUsername, password: ConformanceTenants.password(ext.sipUsername), port: port)
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
            let start = ami.events.count
            let main: String
            let linkedID: String
            if scenario.presses == nil && scenario.keys.isEmpty {
                let caller = try peers.call(scenario.to, from: scenario.from)
                running.append(caller)
                let first: AMIClient.Message
                do {
                    first = try await ami.waitForEvent(timeout: .seconds(20), after: start) {
                        $0.event == "Newexten" && ($0["Channel"] ?? "").hasPrefix("PJSIP/centralita-trunk-")
                    }
                } catch {
                    let connected = (try? await node.cli("manager show connected")) ?? ""
                    let seen = connected + ami.status + "\(start) \(ami.events.count) " + Set(ami.events.compactMap { $0.event }).sorted().joined(separator: ",")
                    throw Failure(description: "the carrier's call never reached the dial plan (events: \(seen)): \(caller.output.suffix(300)) \(node.problems)")
                }
                main = first["Channel"] ?? ""
                linkedID = first["Linkedid"] ?? ""
            } else {
                throw Failure(description: "keys not supported yet")
            }
            try await Self.follow(ami, main: main, from: start)
            try await Task.sleep(for: .milliseconds(300))
            let events = ami.events[start...].filter { $0["Linkedid"] == linkedID || $0.event == "DialBegin" && $0["Linkedid"] == linkedID }
            return ObservedCall(events: Array(events), main: main, plan: plan, trunk: ConformanceTenants.options.trunk)
        }
    }

    /// Waits for the call's dial-plan channel to hang up, ending the call once nothing the
    /// dial plan does next depends on the call going on: a mailbox has started recording, the
    /// caller has been connected, or the voicemail menu has started.
    static func follow(_ ami: AMIClient, main: String, from start: Int, timeout: Duration = .seconds(90)) async throws {
        let deadline = ContinuousClock.now + timeout
        var seen = start
        var hangUpAt: ContinuousClock.Instant?
        while ContinuousClock.now < deadline {
            let events = ami.events
            for e in events[seen...] {
                if e.event == "Hangup", e["Channel"] == main { return }
                let settled = (e.event == "Newexten" && e["Channel"] == main && ["VoiceMail", "VoiceMailMain"].contains(e["Application"] ?? ""))
                    || (e.event == "DialEnd" && e["Channel"] == main && e["DialStatus"] == "ANSWER")
                if settled, hangUpAt == nil { hangUpAt = ContinuousClock.now + .milliseconds(700) }
            }
            seen = events.count
            if let at = hangUpAt, ContinuousClock.now >= at {
                try await ami.action(["Action": "Hangup", "Channel": main])
                hangUpAt = ContinuousClock.now + .seconds(5)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw Failure(description: "the call on \(main) did not end within \(timeout)")
    }

    static func waitForDeviceState(_ ami: AMIClient, _ user: String, _ states: Set<String>, timeout: Duration = .seconds(15)) async throws {
        let deadline = ContinuousClock.now + timeout
        var last = ""
        while ContinuousClock.now < deadline {
            last = try await ami.action(["Action": "Getvar", "Variable": "DEVICE_STATE(PJSIP/\(user))"])["Value"] ?? ""
            if states.contains(last) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Failure(description: "PJSIP/\(user) stayed \(last), expected \(states.sorted())")
    }
}
