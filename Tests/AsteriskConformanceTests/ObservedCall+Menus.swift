import Dialplan
import Foundation
import TestSupport

/// Queues, IVR menus and call flows in the path Asterisk took: the manager events of the
/// call's dial-plan channel read in the simulator's vocabulary (`queue`, `queueRing`,
/// `stickyAgent`, `queueTimeout`, `queueEmpty`, `queueFull`, `menu`, `key`, `directDial`,
/// `timeout`, `invalid`, `flow`, `play`, `voicemailMain`, `webhook`, `lookup`, `callerNumber`,
/// `email`, `language`).
struct MenuObserver {
    let plan: CallPlan
    let main: String
    let phoneBySIPUser: [String: String]
    private let menus: Set<String>
    private let flowContext: String
    /// Set after `Set(CALLERID(num)=…)`: the next step of the channel shows the new number.
    private var callerNumberPending = false
    /// The filtered first digit of a notification's reply, until the branch shows.
    private var webhookPending: String?
    private var last: String?
    /// Where the first round of agents offered the call sits in `steps`, while it is open.
    private var roundIndex: Int?
    private var roundAgents: [String] = []
    private var roundClosed = false

    init(plan: CallPlan, main: String, phoneBySIPUser: [String: String]) {
        self.plan = plan
        self.main = main
        self.phoneBySIPUser = phoneBySIPUser
        menus = Set(plan.menus.map(\.name))
        flowContext = plan.tenant + "-flow"
    }

    func agent(_ interface: String) -> String {
        let user = interface.dropFirst("PJSIP/".count).prefix { $0 != "-" }
        return phoneBySIPUser[String(user)] ?? interface
    }

    /// Reads one event; appends its steps (or fills in the open round of agents).
    mutating func observe(_ e: AMIClient.Message, steps: inout [String]) {
        let channel = e["Channel"] ?? ""
        guard channel == main else { return }
        switch e.event {
        case "AgentCalled":
            guard !roundClosed else { return }
            roundAgents.append(agent(e["Interface"] ?? e["DestChannel"] ?? ""))
            let step = "queueRing " + roundAgents.sorted().joined(separator: ",")
            if let i = roundIndex { steps[i] = step } else {
                roundIndex = steps.count
                steps.append(step)
            }
        case "AgentRingNoAnswer", "AgentConnect", "QueueCallerLeave", "DialEnd":
            if roundIndex != nil { roundClosed = true }
        case "VarSet":
            let name = e["Variable"] ?? "", value = e["Value"] ?? ""
            if name == "QUEUESTATUS" {
                if roundIndex != nil { roundClosed = true }
                switch value {
                case "TIMEOUT": steps.append("queueTimeout")
                case "JOINEMPTY", "LEAVEEMPTY": steps.append("queueEmpty")
                case "FULL": steps.append("queueFull")
                default: break
                }
            } else if name == "LAST" {
                last = value
            } else if name.wholeMatch(of: /WH[0-9]+/) != nil {
                webhookPending = value
            } else if name.wholeMatch(of: /NAME[0-9]+/) != nil {
                // The manager escapes quotes in values (`Ana\'s`).
                steps.append("lookup \(value.replacing(/\\(.)/) { String($0.output.1) })")
            }
        case "Newexten":
            newexten(e, steps: &steps)
        default: break
        }
    }

    private mutating func newexten(_ e: AMIClient.Message, steps: inout [String]) {
        let app = e["Application"] ?? "", data = e["AppData"] ?? ""
        let context = e["Context"] ?? "", exten = e["Extension"] ?? "", first = e["Priority"] == "1"
        if callerNumberPending {
            callerNumberPending = false
            steps.append("callerNumber \(e["CallerIDNum"] ?? "")")
        }
        if let reply = webhookPending, app != "GotoIf" {
            webhookPending = nil
            steps.append("webhook " + (app == "NoOp" && data.hasPrefix("reply ") ? reply : "default"))
        }
        let inMenu = menus.contains(context), inFlow = context == flowContext
        if inMenu, first {
            switch exten {
            case "s": steps.append("menu \(context)")
            case "t": steps.append("timeout")
            case "i": steps.append("invalid")
            case _ where exten.count == 1: steps.append("key \(exten)")
            case _ where plan.route(internal: exten) != nil: steps.append("directDial \(exten)")
            default: break
            }
        }
        if inFlow, first { steps.append("flow \(exten)") }
        switch app {
        case "BackGround" where inMenu || inFlow, "Playback" where inMenu || inFlow:
            if !(data == "vm-goodbye" && (exten == "t" || exten == "i")) { steps.append("play \(data)") }
        case "NoOp" where data == "missing sound":
            steps.append("play ")
        case "VoiceMailMain":
            steps.append("voicemailMain")
        case "Set" where data.hasPrefix("CHANNEL(language)="):
            steps.append("language \(data.dropFirst("CHANNEL(language)=".count))")
        case "Set" where data.hasPrefix("CALLERID(num)=") && (inMenu || inFlow):
            callerNumberPending = true
        case "UserEvent" where data.hasPrefix("CentralitaEmail,"):
            let key = data.split(separator: ",").first { $0.hasPrefix("Key: ") }.map { String($0.dropFirst("Key: ".count)) } ?? ""
            steps.append("email \(key)")
        case "Queue":
            let name = data.prefix { $0 != "," }
            steps.append("queue \(name.split(separator: "-q").last.map(String.init) ?? String(name))")
        case "Dial" where last.map { !$0.isEmpty && data.hasPrefix($0 + ",") } == true:
            steps.append("stickyAgent \(agent(last ?? ""))")
        default: break
        }
    }
}

extension ObservedCall {
    /// The simulator's queue, menu and flow events in the same vocabulary (nil: not one).
    static func menuStep(_ event: CallTrace.Event) -> String? {
        let d = event.detail
        switch event.kind {
        case "queue": return "queue \(d["queue"] ?? "")"
        case "queueFull", "queueEmpty", "queueTimeout", "timeout", "invalid", "voicemailMain": return event.kind
        case "stickyAgent": return "stickyAgent \(d["agent"] ?? "")"
        case "queueRing":
            let agents = (d["agents"] ?? "").split(separator: ",").map(String.init)
            return d["choice"] == "one" ? "queueRing one of \(agents.joined(separator: ","))" : "queueRing \(agents.sorted().joined(separator: ","))"
        case "menu": return "menu \(d["menu"] ?? "")"
        case "key": return "key \(d["key"] ?? "")"
        case "directDial": return "directDial \(d["number"] ?? "")"
        case "flow": return "flow \(d["flow"] ?? "")"
        case "play": return "play \(d["sound"] ?? "")"
        case "webhook": return "webhook \(d["branch"] ?? "")"
        case "lookup": return "lookup \(d["name"] ?? "")"
        case "callerNumber": return "callerNumber \(d["number"] ?? "")"
        case "email": return "email \(d["key"] ?? "")"
        case "language": return "language \(d["language"] ?? "")"
        default: return nil
        }
    }

    /// An agent who took a queue call: Asterisk shows it as the answered ring of the caller's
    /// channel. Where the node picks one agent of several, any of them agrees.
    static func queueAnswer(_ trace: CallTrace) -> [String] {
        guard trace.outcome.kind == "answered", let last = trace.events.last, let ext = trace.outcome.extensionNumber else { return [] }
        if last.kind == "stickyAgent" { return ["ring answered by \(ext)"] }
        guard last.kind == "queueRing" else { return [] }
        if last.detail["choice"] == "one" { return ["ring answered by one of \(last.detail["agents"] ?? "")"] }
        return ["ring answered by \(ext)"]
    }

    /// Whether Asterisk's path is the simulator's: step for step, where an expected
    /// `… one of a,b` step is met by any of them.
    static func agrees(_ expected: [String], _ observed: [String]) -> Bool {
        guard expected.count == observed.count else { return false }
        return zip(expected, observed).allSatisfy { e, o in
            guard e != o else { return true }
            guard let range = e.range(of: " one of ") else { return false }
            let head = e[..<range.lowerBound], options = e[range.upperBound...].split(separator: ",")
            return options.contains { o == head + " " + $0 }
        }
    }
}
