import Telephony

/// One inconsistency: where it is (resource type, ID, field), what is wrong and what to do.
public struct Finding: Sendable, Equatable, Codable {
    public enum Severity: String, Sendable, Codable { case error, warning }
    public var severity: Severity
    /// Stable machine code (`danglingDestination`, `shadowedRule`, …).
    public var code: String
    /// `extension`, `rule`, `publicNumber`, `interval`, `tenant`, `queue`, `ivrContext`, `callFlow`.
    public var resource: String
    public var resourceId: String
    /// The extension the rule belongs to, for links.
    public var extensionId: String?
    public var field: String?
    public var message: String
    public var hint: String
}

/// The checks behind "Test": everything that would make calls go somewhere other than
/// where the configuration says. Errors block applying; warnings do not.
public struct Validator {
    let snapshot: TenantSnapshot
    let extensions: [String: TenantSnapshot.Extension]
    let groups: [String: TenantSnapshot.Group]
    let intervals: Set<String>

    public init(_ snapshot: TenantSnapshot) {
        self.snapshot = snapshot
        extensions = Dictionary(snapshot.extensions.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        groups = Dictionary(snapshot.groups.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        intervals = Set(snapshot.intervals.map(\.id))
    }

    public func findings() -> [Finding] {
        var all: [Finding] = []
        if !snapshot.active {
            all.append(Finding(severity: .warning, code: "tenantOff", resource: "tenant", resourceId: snapshot.tenantID, field: "status",
                               message: "The company is switched off: every call is rejected.", hint: "Set the status to active to take calls."))
        }
        for number in snapshot.publicNumbers.sorted(by: { $0.number < $1.number }) {
            guard let destination = number.destination else {
                all.append(Finding(severity: .warning, code: "unroutedNumber", resource: "publicNumber", resourceId: number.id, field: "destination",
                                   message: "\(number.number) has no destination: calls to it are refused.", hint: "Choose where calls to this number go."))
                continue
            }
            all += check(destination, field: "destination", resource: "publicNumber", id: number.id, extensionID: nil, what: number.number)
        }
        for e in snapshot.extensions.sorted(by: { $0.number < $1.number }) {
            all += checkVoicemail(e)
            all += checkRules(e)
        }
        all += loops()
        all += checkQueues() + checkIVRs() + checkCallFlows()
        return all
    }

    func checkVoicemail(_ e: TenantSnapshot.Extension) -> [Finding] {
        guard e.voicemail.enabled else { return [] }
        var f: [Finding] = []
        if (e.voicemail.pin ?? "").isEmpty {
            f.append(Finding(severity: .error, code: "voicemailWithoutPin", resource: "extension", resourceId: e.id, field: "voicemail.pin",
                             message: "Voicemail of \(e.number) is on but has no PIN: anyone could listen to its messages with *95.",
                             hint: "Set a PIN of 1 to 5 digits in the voicemail settings."))
        }
        if e.voicemail.notify != .none && (e.email ?? "").isEmpty {
            f.append(Finding(severity: .warning, code: "voicemailWithoutEmail", resource: "extension", resourceId: e.id, field: "voicemail.notify",
                             message: "Voicemail of \(e.number) should notify by e-mail but its user has no e-mail address.",
                             hint: "Add an e-mail address to the user or turn notifications off."))
        }
        if let exit = e.voicemail.exitToExtensionID, extensions[exit] == nil {
            f.append(Finding(severity: .warning, code: "danglingDestination", resource: "extension", resourceId: e.id, field: "voicemail.exitToExtension",
                             message: "Pressing 0 in the voicemail of \(e.number) leads to an extension that no longer exists.",
                             hint: "Choose another extension for press-0 or clear it."))
        }
        return f
    }

    func checkRules(_ e: TenantSnapshot.Extension) -> [Finding] {
        var f: [Finding] = []
        let rules = e.rules.sorted { $0.position < $1.position }
        var shadowedBy: Int?
        for r in rules where r.rule.enabled {
            let rule = r.rule
            let what = "rule \(r.position) of \(e.number)"
            func finding(_ severity: Finding.Severity, _ code: String, _ field: String?, _ message: String, _ hint: String) -> Finding {
                Finding(severity: severity, code: code, resource: "rule", resourceId: r.id, extensionId: e.id, field: field, message: message, hint: hint)
            }
            if let earlier = shadowedBy {
                f.append(finding(.warning, "shadowedRule", "position",
                                 "Rule \(r.position) of \(e.number) never runs: rule \(earlier) always applies first and stops.",
                                 "Move this rule above rule \(earlier), give rule \(earlier) a condition, or set it to continue."))
            }
            for (field, p) in rule.problems() {
                f.append(finding(.error, "invalidRule", field, "\(what.capitalizedFirst): \(field) \(p).", "Edit the rule and correct \(field)."))
            }
            if let id = rule.intervalId, !intervals.contains(id) {
                f.append(finding(.error, "danglingInterval", "intervalId", "\(what.capitalizedFirst) uses a time interval that no longer exists.",
                                 "Choose another interval or set it to always."))
            }
            if rule.kind == .identify, let sound = rule.soundId {
                f.append(finding(.error, "missingSound", "soundId", "\(what.capitalizedFirst) plays sound \(sound), which does not exist.",
                                 "Choose an existing sound or none."))
            }
            if rule.kind == .cascade {
                if let total = rule.totalSeconds {
                    var start = 0
                    for (i, step) in (rule.steps ?? []).enumerated() {
                        start += max(step.afterSeconds, 0)
                        if start >= total {
                            f.append(finding(.error, "cascadeTooLong", "steps[\(i)].afterSeconds",
                                             "Step \(i + 1) of \(what) starts at \(start) s, after the cascade's total of \(total) s: it never rings.",
                                             "Raise the total or start the step earlier."))
                        }
                    }
                }
                for (i, step) in (rule.steps ?? []).enumerated() {
                    switch step.destination {
                    case .extensionTarget, .group, .external: break
                    default:
                        f.append(finding(.error, "notRingable", "steps[\(i)].destination",
                                         "Step \(i + 1) of \(what) goes to a \(step.destination.type), which cannot ring alongside phones.",
                                         "Use extensions, groups or external numbers in a cascade; put voicemail in a later rule."))
                    }
                }
            }
            for (field, destination) in rule.destinations {
                f += check(destination, field: field, resource: "rule", id: r.id, extensionID: e.id, what: what)
            }
            if shadowedBy == nil && !rule.continue && Self.alwaysApplies(rule) { shadowedBy = r.position }
        }
        return f
    }

    /// No condition, no `*74N` switch, and an action that does not depend on the phone's state.
    static func alwaysApplies(_ rule: IncomingRule) -> Bool {
        guard rule.callerId.match == .any, rule.intervalId == nil, rule.keypadCode == nil else { return false }
        switch rule.kind {
        case .cascade, .congestion, .hangup, .identify: return true
        case .busy: return false
        case .transfer: return (rule.extensionState ?? .any) == .any && (rule.callState ?? .any) == .any
        }
    }

    func check(_ destination: Destination, field: String, resource: String, id: String, extensionID: String?, what: String) -> [Finding] {
        func error(_ code: String, _ message: String, _ hint: String) -> [Finding] {
            [Finding(severity: .error, code: code, resource: resource, resourceId: id, extensionId: extensionID, field: field, message: message, hint: hint)]
        }
        switch destination {
        case .extensionTarget(let target):
            guard let e = extensions[target] else { return error("danglingDestination", "\(what.capitalizedFirst) leads to an extension that no longer exists.", "Choose another destination.") }
            if e.kind != .phone { return error("unsupportedDestination", "\(what.capitalizedFirst) leads to \(e.kind.rawValue) \(e.number), which cannot take calls yet.", "Choose a phone extension.") }
        case .group(let target):
            guard let g = groups[target] else { return error("danglingDestination", "\(what.capitalizedFirst) leads to a group that no longer exists.", "Choose another destination.") }
            if g.memberIDs.compactMap({ extensions[$0] }).isEmpty {
                return error("emptyGroup", "\(what.capitalizedFirst) rings group “\(g.name)”, which has no extensions.", "Add extensions to the group or choose another destination.")
            }
        case .voicemail(let target):
            guard let e = extensions[target] else { return error("danglingDestination", "\(what.capitalizedFirst) leads to a mailbox that no longer exists.", "Choose another destination.") }
            if !e.voicemail.enabled { return error("voicemailOff", "\(what.capitalizedFirst) leads to the voicemail of \(e.number), which is switched off.", "Turn on voicemail for \(e.number) or choose another destination.") }
        case .external:
            break
        case .queue(let target), .ivr(let target):
            guard let e = extensions[target], e.kind.rawValue == destination.type else {
                return error("danglingDestination", "\(what.capitalizedFirst) leads to a \(destination.type == "ivr" ? "IVR" : "queue") that no longer exists.", "Choose another destination.")
            }
        case .callFlow(let target):
            if !snapshot.callFlows.contains(where: { $0.id == target }) {
                return error("danglingDestination", "\(what.capitalizedFirst) leads to a call flow that no longer exists.", "Choose another destination.")
            }
        case .ruleGroup:
            return error("unsupportedDestination", "\(what.capitalizedFirst) leads to a rule group, which this media node cannot run yet.", "Choose an extension, group, queue, IVR, voicemail or external number.")
        }
        return []
    }

    /// Extensions that hand every call to each other with no way out.
    func loops() -> [Finding] {
        // An extension whose first rule always applies and stops hands every call on.
        var edges: [String: String] = [:]
        for e in snapshot.extensions {
            let first = e.rules.sorted(by: { $0.position < $1.position }).first { $0.rule.enabled }
            if let rule = first?.rule, !rule.continue, Self.alwaysApplies(rule), rule.kind == .transfer, case .extensionTarget(let target)? = rule.destination {
                edges[e.id] = target
            }
        }
        var reported = Set<String>()
        var f: [Finding] = []
        for start in edges.keys.sorted() {
            var seen: [String] = []
            var current = start
            while let next = edges[current], !seen.contains(current) {
                seen.append(current)
                current = next
            }
            guard current == start, !reported.contains(start) else { continue }
            reported.formUnion(seen)
            let numbers = seen.compactMap { extensions[$0]?.number }
            f.append(Finding(severity: .error, code: "loop", resource: "extension", resourceId: start, field: "rules",
                             message: "Calls go round \(numbers.joined(separator: " → ")) → \(numbers.first ?? "") with no way out.",
                             hint: "Give one of these transfers a condition or send it elsewhere."))
        }
        return f
    }
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
