import Telephony

/// Platform settings that are not the tenant's: the SIP realm the HA1 digests were made for and
/// the PJSIP endpoint that reaches the public network.
public struct CompileOptions: Sendable, Equatable {
    public enum SIPAuthStyle: String, Sendable, Equatable {
        /// `auth_type=digest` + `password_digest=MD5:<HA1>` (Asterisk 20.12+, 22.2+).
        case passwordDigest
        /// `auth_type=md5` + `md5_cred=<HA1>` (older releases; deprecated since 22.2).
        case md5Cred
    }
    public var sipRealm: String
    public var trunk: String
    public var sipAuth: SIPAuthStyle
    /// Writes `redacted` instead of HA1 digests, mailbox PINs, identify passwords and agent PIN
    /// hashes: for showing a bundle to people (`GET …/compiled`). Only the bundle sent to the
    /// media agent carries the secrets.
    public var redactSecrets: Bool

    public init(sipRealm: String = "centralita", trunk: String = "centralita-trunk", sipAuth: SIPAuthStyle = .passwordDigest,
                redactSecrets: Bool = false) {
        self.sipRealm = sipRealm
        self.trunk = trunk
        self.sipAuth = sipAuth
        self.redactSecrets = redactSecrets
    }

    /// What replaces a secret in a redacted bundle.
    static let redaction: AsteriskText = "redacted"

    /// `secret`, or the redaction.
    func secret(_ secret: AsteriskText) -> AsteriskText { redactSecrets ? Self.redaction : secret }
}

/// Lowers a tenant snapshot into the `CallPlan`. Pure and deterministic: the same snapshot gives
/// the same plan, whatever order the snapshot's lists came in.
public struct CallPlanBuilder {
    let snapshot: TenantSnapshot
    let options: CompileOptions
    let extensionsByID: [String: TenantSnapshot.Extension]
    let groupsByID: [String: TenantSnapshot.Group]
    let ivrsByID: [String: TenantSnapshot.IVR]
    /// Each call flow's key: its position by ID, so a key does not change when others are renamed.
    let flowKeys: [String: String]

    public init(_ snapshot: TenantSnapshot, options: CompileOptions = CompileOptions()) {
        self.snapshot = snapshot
        self.options = options
        extensionsByID = Dictionary(snapshot.extensions.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        groupsByID = Dictionary(snapshot.groups.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        ivrsByID = Dictionary(snapshot.ivrs.map { ($0.extensionID, $0) }, uniquingKeysWith: { a, _ in a })
        flowKeys = Dictionary(snapshot.callFlows.map(\.id).sorted().enumerated().map { ($1, String($0 + 1)) }, uniquingKeysWith: { a, _ in a })
    }

    public func build() -> CallPlan {
        var plan = buildCalls()
        let (seats, supervises) = agentSeats()
        for i in plan.phones.indices {
            plan.phones[i].agentOf = seats[plan.phones[i].number] ?? []
            plan.phones[i].supervises = supervises[plan.phones[i].number] ?? []
        }
        plan.queues = queuePlans()
        plan.menus = menus()
        plan.flows = flows()
        // CALL-1 caller IDs are the tenant's own public numbers (the portal refuses others); one
        // that is no longer the tenant's is left empty, so `cN` keeps its meaning for the rest.
        let owned = Set(snapshot.publicNumbers.map(\.number))
        plan.outgoingCallerIDs = snapshot.outgoingCallerIDs.map { owned.contains($0) ? $0 : "" }
        plan.mainNumber = plan.outgoingCallerIDs.first { !$0.isEmpty } ?? snapshot.publicNumbers.map(\.number).min()
        plan.emergencyNumbers = NumberingPlan.emergencyNumbers(mainNumber: plan.mainNumber.map(NumberingPlan.filtered))
        plan.numbering = plan.mainNumber.map(NumberingPlan.filtered).flatMap(NumberingPlan.of)
        return plan
    }

    func buildCalls() -> CallPlan {
        let tenant = snapshot.prefix
        let phones = snapshot.extensions.filter { $0.kind == .phone }.sorted { $0.number < $1.number }
        let firstNumber: [String: String] = Dictionary(
            snapshot.publicNumbers.sorted { $0.number < $1.number }.compactMap { n -> (String, String)? in
                guard case .extensionTarget(let id)? = n.destination else { return nil }
                return (id, n.number)
            }, uniquingKeysWith: { a, _ in a })
        return CallPlan(
            tenant: tenant,
            tenantName: snapshot.name,
            active: snapshot.active,
            sipRealm: options.sipRealm,
            phones: phones.map { e in
                Phone(number: e.number, endpoint: e.sipUsername, ha1: e.ha1, callerName: e.displayName, language: e.language,
                      mailbox: e.voicemail.enabled ? "\(e.number)@\(tenant)" : nil,
                      toggleCodes: e.rules.compactMap(\.rule.keypadCode).sorted(),
                      recording: Self.recordingMode(e.recording), outgoingCallerID: firstNumber[e.id])
            },
            mailboxes: phones.filter(\.voicemail.enabled).map { e in
                Mailbox(number: e.number, pin: e.voicemail.pin ?? "", name: e.displayName,
                        email: e.voicemail.notify == .none ? nil : e.email, attachAudio: e.voicemail.notify == .attach,
                        exitTo: e.voicemail.exitToExtensionID.flatMap { extensionsByID[$0]?.number })
            },
            routes: snapshot.extensions.sorted { $0.number < $1.number }.map(serviceRoute),
            inbound: snapshot.publicNumbers.sorted { $0.number < $1.number }.compactMap { n in
                guard let destination = n.destination else { return nil }
                if !snapshot.active { return Route(number: n.number, title: n.number, steps: [.reject], ending: []) }
                return Route(number: n.number, title: title(of: destination), steps: transfer(to: destination, reason: "number"), ending: [.hangup])
            },
            intervals: Dictionary(snapshot.intervals.map { ($0.id, NamedInterval(id: $0.id, name: $0.name, interval: $0.interval)) },
                                  uniquingKeysWith: { a, _ in a })
        )
    }

    static func recordingMode(_ r: TenantSnapshot.Recording) -> RecordingMode {
        if r.always { return .always(announce: r.announce) }
        if r.onDemand { return .onDemand }
        return .off
    }

    /// An extension's incoming-call handling: its rules in order, then (when no rule applied)
    /// its own phone, then the ending (voicemail or hang-up).
    func route(for e: TenantSnapshot.Extension) -> Route {
        let title = e.displayName.isEmpty ? e.number : "\(e.number) \(e.displayName)"
        guard snapshot.active else { return Route(number: e.number, title: title, steps: [.reject], ending: []) }
        var steps: [Step] = []
        if e.recording.always { steps.append(.record(announce: e.recording.announce)) }
        for r in e.rules.filter(\.rule.enabled).sorted(by: { $0.position < $1.position }) {
            steps.append(.when(guardCondition(r.rule, e), then: [.markApplied(rule: r.position)] + action(r, e) + (r.rule.continue ? [] : [.finish]),
                               otherwise: []))
        }
        let ringSeconds = e.voicemail.enabled ? e.voicemail.answerAfterSeconds : e.ringSeconds
        let ownRing = [Step.ring(ring(e, seconds: ringSeconds, reason: "default"))]
        steps.append(e.rules.contains(where: \.rule.enabled) ? .when(.applied, then: [], otherwise: ownRing) : ownRing[0])
        let ending: [Step]
        if e.voicemail.enabled {
            let box = "\(e.number)@\(snapshot.prefix)"
            ending = [.when(.lastRing([.busy]), then: [.voicemail(mailbox: box, busyGreeting: true)],
                            otherwise: [.voicemail(mailbox: box, busyGreeting: false)])]
        } else {
            ending = [.when(.lastRing([.busy]), then: [.busy], otherwise: [.hangup])]
        }
        return Route(number: e.number, title: title, steps: steps, ending: ending)
    }

    func ring(_ e: TenantSnapshot.Extension, seconds: Int, reason: String) -> Ring {
        Ring(targets: [RingTarget(kind: .phone(number: e.number, endpoint: e.sipUsername), afterSeconds: 0)], seconds: seconds,
             onDemandRecording: e.recording.onDemand, reason: reason)
    }

    /// When the rule applies: its caller-ID and interval conditions, its `*74N` state, and
    /// the extension state its kind depends on.
    func guardCondition(_ rule: IncomingRule, _ e: TenantSnapshot.Extension) -> Condition {
        var all: [Condition] = []
        switch rule.callerId.match {
        case .any: break
        case .equals: all.append(.callerIs(rule.callerId.number ?? ""))
        case .notEquals: all.append(.not(.callerIs(rule.callerId.number ?? "")))
        case .anonymous: all.append(.callerAnonymous)
        }
        if let id = rule.intervalId { all.append(.inInterval(id: id)) }
        if let code = rule.keypadCode { all.append(.ruleActive(extension: e.number, code: code)) }
        switch rule.kind {
        case .busy:
            all.append(.busy(extension: e.number))
        case .transfer:
            switch rule.extensionState ?? .any {
            case .registered: all.append(.registered(extension: e.number))
            case .unregistered: all.append(.not(.registered(extension: e.number)))
            case .any: break
            }
            if rule.callState == .busy { all.append(.busy(extension: e.number)) }
        default:
            break
        }
        return .all(all)
    }

    func action(_ r: TenantSnapshot.Rule, _ e: TenantSnapshot.Extension) -> [Step] {
        let rule = r.rule
        let reason = "rule \(r.position)"
        switch rule.kind {
        case .cascade:
            var targets: [RingTarget] = []
            var start = 0
            for step in rule.steps ?? [] {
                start += max(step.afterSeconds, 0)
                targets += ringTargets(step.destination, after: start)
            }
            let recording = targets.contains { if case .phone(let n, _) = $0.kind { n == e.number } else { false } } && e.recording.onDemand
            return [.ring(Ring(targets: targets, seconds: rule.totalSeconds ?? e.ringSeconds, onDemandRecording: recording, reason: reason))]
        case .busy:
            return rule.destination.map { transfer(to: $0, reason: reason) } ?? [.hangup]
        case .congestion:
            return [.congestion]
        case .hangup:
            return [.hangup]
        case .transfer:
            guard let destination = rule.destination else { return [.hangup] }
            if rule.callState == .noAnswer {
                return [.ring(ring(e, seconds: e.ringSeconds, reason: reason)),
                        .when(.lastRing([.noAnswer, .unavailable]), then: transfer(to: destination, reason: reason), otherwise: [])]
            }
            return transfer(to: destination, reason: reason)
        case .identify:
            return [.identify(password: rule.password ?? "", rule: r.position)] + (rule.destination.map { transfer(to: $0, reason: reason) } ?? [.hangup])
        }
    }

    /// The phones (or external number) a cascade step rings.
    func ringTargets(_ destination: Destination, after: Int) -> [RingTarget] {
        switch destination {
        case .extensionTarget(let id):
            guard let e = extensionsByID[id], e.kind == .phone else { return [] }
            return [RingTarget(kind: .phone(number: e.number, endpoint: e.sipUsername), afterSeconds: after)]
        case .group(let id):
            return members(of: id).map { RingTarget(kind: .phone(number: $0.number, endpoint: $0.sipUsername), afterSeconds: after) }
        case .external(let number):
            return [RingTarget(kind: .external(number), afterSeconds: after)]
        case .voicemail, .queue, .ivr, .ruleGroup, .callFlow:
            return []
        }
    }

    func members(of groupID: String) -> [TenantSnapshot.Extension] {
        (groupsByID[groupID]?.memberIDs ?? []).compactMap { extensionsByID[$0] }.filter { $0.kind == .phone }
    }

    /// Sending the call somewhere for good (public numbers, busy/transfer/identify rules).
    func transfer(to destination: Destination, reason: String) -> [Step] {
        switch destination {
        case .extensionTarget(let id):
            guard let e = extensionsByID[id], e.kind == .phone else { return [.hangup] }
            return [.goToRoute(e.number)]
        case .group(let id):
            let members = members(of: id)
            guard !members.isEmpty else { return [.hangup] }
            let seconds = members.map(\.ringSeconds).max() ?? 20
            return [.ring(Ring(targets: members.map { RingTarget(kind: .phone(number: $0.number, endpoint: $0.sipUsername), afterSeconds: 0) },
                               seconds: seconds, onDemandRecording: false, reason: reason)),
                    .when(.lastRing([.busy]), then: [.busy], otherwise: [.hangup])]
        case .voicemail(let id):
            guard let e = extensionsByID[id], e.voicemail.enabled else { return [.hangup] }
            return [.voicemail(mailbox: "\(e.number)@\(snapshot.prefix)", busyGreeting: false)]
        case .external(let number):
            return [.dialExternal(number)]
        case .queue(let id), .ivr(let id):
            guard let e = extensionsByID[id], e.kind.rawValue == destination.type else { return [.hangup] }
            return [.goToRoute(e.number)]
        case .callFlow(let id):
            return flowKeys[id].map { [.flow($0)] } ?? [.hangup]
        case .ruleGroup:
            return [.hangup]
        }
    }

    func title(of destination: Destination) -> String {
        switch destination {
        case .extensionTarget(let id), .voicemail(let id), .queue(let id), .ivr(let id):
            return extensionsByID[id].map(title) ?? id
        case .callFlow(let id): return snapshot.callFlows.first { $0.id == id }.map { "call flow \($0.name)" } ?? id
        case .group(let id): return groupsByID[id]?.name ?? id
        case .external(let number): return number
        default: return destination.targetID ?? destination.type
        }
    }
}
