import Dialplan
import Foundation
import TestSupport

/// The path one call took through Asterisk, rebuilt from the manager events of the call's
/// channels (same `Linkedid`) in the simulator's vocabulary, so the two can be compared step by
/// step: routes entered, rules applied, rings and how they ended, mailboxes, external numbers,
/// PIN checks, recordings, and the outcome.
struct ObservedCall: CustomStringConvertible {
    var steps: [String]
    /// Every application any of the call's channels ran, in order (for the security checks).
    var applications: [String]
    /// The call's manager events and main channel, for checks beyond the path.
    var events: [AMIClient.Message] = []
    var main = ""
    /// What the carrier received (one line per INVITE: request URI, From, P-Asserted-Identity).
    var carrierLog = ""
    /// WARNING and ERROR lines Asterisk logged during the scenario.
    var problems: [String] = []

    var description: String { steps.joined(separator: " → ") }

    init(steps: [String], applications: [String], carrierLog: String) {
        self.steps = steps
        self.applications = applications
        self.carrierLog = carrierLog
    }

    /// The same projection of a simulator trace.
    static func expected(_ trace: CallTrace) -> [String] {
        var steps: [String] = []
        for event in trace.events {
            let d = event.detail
            switch event.kind {
            case "route": steps.append("route \(d["number"] ?? "")")
            case "rule": if d["applies"] == "true" { steps.append("rule \(d["rule"] ?? "")") }
            case "transfer": break
            case "ring": steps.append("ring \(d["result"] ?? "")" + (d["answeredBy"].map { " by \($0)" } ?? ""))
            case "voicemail": steps.append("voicemail \(d["mailbox"] ?? "") \(d["greeting"] ?? "")")
            case "external": steps.append("external \(d["number"] ?? "")")
            case "identify": steps.append("identify \(d["result"] ?? "")")
            case "record": steps.append("record")
            default: steps.append(menuStep(event) ?? event.kind + " " + d.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))
            }
        }
        steps += queueAnswer(trace)
        steps.append("outcome \(trace.outcome.kind)")
        return steps
    }

    /// Rebuilds the path from `events` (already limited to the call), where `main` is the
    /// channel that ran the tenant's dial plan and `plan` names the phones.
    init(events: [AMIClient.Message], main: String, plan: CallPlan, trunk: String) {
        let phoneBySIPUser = Dictionary(plan.phones.map { ($0.endpoint, $0.number) }, uniquingKeysWith: { a, _ in a })
        var steps: [String] = []
        var applications: [String] = []
        var outcome = "hangup"
        var pinPending = false
        var pinRefusals = 0
        /// Who answered each Local leg, by the leg's `;2` channel name.
        var legAnswer: [String: String] = [:]
        var dialString: [String: String] = [:]

        func who(_ channel: String) -> String? {
            if channel.hasPrefix("PJSIP/\(trunk)-") {
                return dialString[channel].map { String($0.prefix { $0 != "@" }) }
            }
            if channel.hasPrefix("PJSIP/") {
                let user = channel.dropFirst("PJSIP/".count).prefix { $0 != "-" }
                return phoneBySIPUser[String(user)]
            }
            if channel.hasPrefix("Local/"), channel.hasSuffix(";1") { return legAnswer[String(channel.dropLast()) + "2"] }
            return nil
        }

        var menus = MenuObserver(plan: plan, main: main, phoneBySIPUser: phoneBySIPUser)
        for e in events {
            menus.observe(e, steps: &steps)
            let channel = e["Channel"] ?? ""
            switch e.event {
            case "DialBegin":
                if let dest = e["DestChannel"], let s = e["DialString"] { dialString[dest] = s }
            case "DialEnd" where e["DialStatus"] == "ANSWER":
                let dest = e["DestChannel"] ?? ""
                if channel == main, outcome == "external" {
                    // The carrier took the external call: the outcome stays "external".
                } else if channel == main {
                    steps.append("ring answered" + (who(dest).map { " by \($0)" } ?? ""))
                    outcome = "answered"
                } else if channel.hasPrefix("Local/") {
                    legAnswer[channel] = who(dest)
                }
            case "Newexten":
                let app = e["Application"] ?? ""
                let data = e["AppData"] ?? ""
                applications.append(app)
                guard channel == main else { continue }
                let context = e["Context"] ?? ""
                let exten = e["Extension"] ?? ""
                if e["Priority"] == "1", exten == "loop" {
                    // The route whose hop count tripped the limit never ran: only its NoOp did.
                    if steps.last?.hasPrefix("route ") == true { steps.removeLast() }
                    outcome = "loop"
                } else if e["Priority"] == "1", app == "NoOp" || plan.route(internal: exten) != nil,
                          context == "centralita-inbound" || context.hasSuffix("-ext") || context.contains("-phone-") {
                    // (Right after a transfer Asterisk may report priority 1 with the
                    // application the channel ran before: the route is known by its number.)
                    // (A route reached from a phone's context, as after a transfer, is reported
                    // in the context that included it.)
                    steps.append("route \(exten)")
                } else if app == "Set", data.hasPrefix("APPLIED="), data != "APPLIED=0" {
                    steps.append("rule \(data.dropFirst("APPLIED=".count))")
                } else if app == "NoOp", data.hasPrefix("ring ended: ") {
                    let status = data.dropFirst("ring ended: ".count)
                    let result = ["BUSY": "busy", "NOANSWER": "noAnswer", "CHANUNAVAIL": "unavailable", "ANSWER": "answered"][String(status)] ?? String(status)
                    if result != "answered" { steps.append("ring \(result)") }
                } else if app == "VoiceMail" {
                    let mailbox = data.prefix { $0 != "@" }
                    let options = data.split(separator: ",").dropFirst().first ?? ""
                    steps.append("voicemail \(mailbox) \(options.contains("b") ? "busy" : "unavailable")")
                    outcome = "voicemail"
                } else if app == "VoiceMailMain" {
                    outcome = "voicemailMain"
                } else if app == "Dial", data.hasPrefix("PJSIP/"), data.hasSuffix("@\(trunk),60") {
                    steps.append("external \(data.dropFirst("PJSIP/".count).prefix { $0 != "@" })")
                    outcome = "external"
                } else if app == "Read", data.hasPrefix("PIN") {
                    pinPending = true
                } else if app == "GotoIf", pinPending {
                    pinPending = false
                    if data.hasPrefix("1?") { steps.append("identify accepted") } else { pinRefusals += 1 }
                    if pinRefusals == 3 { steps.append("identify refused") }
                } else if app == "MixMonitor" {
                    steps.append("record")
                } else if app == "Hangup", data == "21" {
                    outcome = "rejected"
                } else if app == "Busy" {
                    outcome = "busy"
                } else if app == "Congestion" {
                    outcome = "congestion"
                }
            default: break
            }
        }
        self.steps = steps + ["outcome \(outcome)"]
        self.applications = applications
        self.events = events
        self.main = main
    }
}
