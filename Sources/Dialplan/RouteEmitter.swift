import Telephony

/// Writes one route's steps as dial-plan priorities, with labels for the branches.
struct RouteEmitter {
    let plan: CallPlan
    let lookup: PlanLookup
    let options: CompileOptions
    let context: String
    let legPrefix: String
    private var out: [DialplanLine] = []
    private var labelCount = 0
    private var variableCount = 0
    private(set) var legs: [(String, [DialplanLine])] = []
    private var pendingLabel: String?
    /// Within an IVR context's start: sounds play with `Background`, so keys cut them short.
    var interruptible = false

    init(plan: CallPlan, lookup: PlanLookup, options: CompileOptions, context: String, legPrefix: String) {
        self.plan = plan
        self.lookup = lookup
        self.options = options
        self.context = context
        self.legPrefix = legPrefix
    }

    static func toggleKey(plan: CallPlan, extension number: String, code: Int) -> String {
        "centralita-\(plan.tenant)/\(number)-\(code)"
    }

    static func recording(plan: CallPlan, announce: Bool) -> [DialplanLine] {
        (announce ? [DialplanLine("Playback(beep)")] : []) + [DialplanLine("MixMonitor(\(plan.tenant)/${UNIQUEID}.wav,b)")]
    }

    mutating func lines(for route: Route) -> [DialplanLine] {
        add("NoOp(\(AsteriskConfigWriter.plain(route.title)))")
        // Calls from phones carry it already (the endpoint's set_var).
        if context.hasSuffix("-inbound") { add("Set(__CENTRALITA_TENANT=\(plan.tenant))") }
        add("Set(HOPS=$[0${HOPS} + 1])")
        add("GotoIf($[${HOPS} > \(Simulator.maximumTransfers)]?\(plan.tenant)-ext,loop,1)")
        add("Set(APPLIED=0)")
        emit(route.steps)
        label("end")
        add("NoOp(ending)")
        emit(route.ending)
        add("Hangup()")
        return out
    }

    /// Steps of an IVR option or a call flow, then `tail` (where the call goes when they end).
    mutating func lines(steps: [Step], tail: [String], head: [String] = [], startLabel: String? = nil) -> [DialplanLine] {
        for line in head { add(line) }
        if let startLabel { label(startLabel) }
        emit(steps)
        for line in tail { add(line) }
        return out
    }

    private mutating func add(_ application: String) {
        out.append(DialplanLine(application, label: pendingLabel))
        pendingLabel = nil
    }

    private mutating func label(_ name: String) {
        if pendingLabel != nil { add("NoOp()") }
        pendingLabel = name
    }

    private mutating func newLabel() -> String {
        labelCount += 1
        return "l\(labelCount)"
    }

    mutating func emit(_ steps: [Step]) {
        for step in steps { emit(step) }
    }

    mutating func emit(_ step: Step) {
        switch step {
        case .ring(let ring):
            emitRing(ring)
        case .when(let condition, let then, let otherwise):
            if then.isEmpty && otherwise.isEmpty { return }
            if case .all(let conditions) = condition, conditions.isEmpty { return emit(then) }
            let test = expression(condition)
            let elseLabel = newLabel()
            if then.isEmpty {
                add("GotoIf($[\(test)]?\(elseLabel))")
                emit(otherwise)
                label(elseLabel)
                return
            }
            add("GotoIf($[\(test)]?:\(elseLabel))")
            emit(then)
            if otherwise.isEmpty {
                label(elseLabel)
            } else {
                let endLabel = newLabel()
                add("Goto(\(endLabel))")
                label(elseLabel)
                emit(otherwise)
                label(endLabel)
            }
        case .markApplied(let rule):
            add("Set(APPLIED=\(rule))")
        case .goToRoute(let number):
            add("Goto(\(plan.tenant)-ext,\(number),1)")
        case .voicemail(let mailbox, let busy):
            let number = mailbox.split(separator: "@").first.map(String.init) ?? mailbox
            let exit = lookup.voicemailExits[number]
            add("Set(VMEXIT=\(exit ?? ""))")
            add("VoiceMail(\(mailbox),\(busy ? "b" : "u"))")
            add("Hangup()")
        case .dialExternal(let number):
            add("Dial(PJSIP/\(number)@\(options.trunk),60)")
            add("Hangup()")
        case .identify(let password, _):
            let again = newLabel(), ok = newLabel()
            let tries = variable("TRIES")
            let pin = variable("PIN")
            add("Set(\(tries)=0)")
            label(again)
            add("Read(\(pin),beep,20,,1,10)")
            add("GotoIf($[\"${FILTER(0-9,${\(pin)})}\" = \"\(password.filter(\.isNumber))\"]?\(ok))")
            add("Set(\(tries)=$[${\(tries)} + 1])")
            add("GotoIf($[${\(tries)} < 3]?\(again))")
            add("Hangup()")
            label(ok)
        case .record(let announce):
            for line in Self.recording(plan: plan, announce: announce) { add(line.application) }
        case .finish:
            add("Goto(end)")
        case .busy:
            add("Busy(10)")
        case .congestion:
            add("Congestion(10)")
        case .hangup:
            add("Hangup()")
        case .reject:
            add("Hangup(21)")
        case .queue(let number):
            guard let queue = lookup.queues[number] else { return add("Hangup()") }
            emitQueue(queue)
        case .menu(let name):
            add("Goto(\(name),s,1)")
        case .flow(let key):
            add("Goto(\(plan.tenant)-flow,\(key),1)")
        case .play(let file):
            guard let file else { return add("NoOp(missing sound)") }
            add(interruptible ? "Background(\(file))" : "Playback(\(file))")
        case .listenVoicemail:
            add("VoiceMailMain(@\(plan.tenant))")
            add("Hangup()")
        case .webhook(let url, let timeout, let branches, let otherwise):
            let reply = variable("WH")
            add("Set(CURLOPT(httptimeout)=\(timeout))")
            add("Set(\(reply)=${CURL(\(Self.url(url)))})")
            add("Set(\(reply)=${FILTER(1-5,${\(reply):0:1})})")
            let done = newLabel()
            let labels = branches.map { _ in newLabel() }
            for (i, l) in labels.enumerated() { add("GotoIf($[\"${\(reply)}\" = \"\(i + 1)\"]?\(l))") }
            emit(otherwise)
            add("Goto(\(done))")
            for (l, branch) in zip(labels, branches) {
                label(l)
                add("NoOp(reply \(l))")
                emit(branch)
                add("Goto(\(done))")
            }
            label(done)
            add("NoOp(notified)")
        case .lookupName(let url, let timeout):
            let name = variable("NAME")
            add("Set(CURLOPT(httptimeout)=\(timeout))")
            add("Set(\(name)=${CURL(\(Self.url(url)))})")
            add("ExecIf($[${LEN(${\(name)})} > 0]?Set(CALLERID(name)=${\(name):0:40}))")
        case .rewriteCaller(let prefix, let suffix):
            add("Set(CALLERID(num)=\(prefix)${CALLERID(num)}\(suffix))")
        case .notifyEmail(_, let key):
            // The name is URL-encoded: a comma in it would split the event's fields.
            add("UserEvent(CentralitaEmail,Tenant: \(plan.tenant),Key: \(key),Caller: ${CALLERID(num)},Name: ${URIENCODE(${CALLERID(name)})})")
        case .setLanguage(let language):
            add("Set(CHANNEL(language)=\(language))")
        }
    }

    /// `{number}` in an address becomes the caller's number, URL-encoded.
    static func url(_ template: String) -> String {
        template.replacingOccurrences(of: "{number}", with: "${URIENCODE(${CALLERID(num)})}")
    }

    /// Waits in the queue; `FULL` runs the overflow steps, anything else (timeout, nobody to
    /// take calls) the timeout steps. A returning caller first rings their last agent (QUE-6).
    mutating func emitQueue(_ queue: QueuePlan) {
        let s = queue.settings
        let full = newLabel(), done = newLabel()
        if s.stickyAgent {
            let key = "centralita-\(plan.tenant)/\(queue.name)-last/${CALLERID(num)}"
            let skip = newLabel()
            add("Set(CHANNEL(hangup_handler_push)=\(plan.tenant)-legs,remember-\(queue.number),1)")
            add("Set(LAST=${DB(\(key))})")
            add("GotoIf($[${LEN(${LAST})} = 0]?\(skip))")
            add("Set(MEMBERS=${QUEUE_MEMBER_LIST(\(queue.name))})")
            add("GotoIf($[${FIELDNUM(MEMBERS,\\,,${LAST})} = 0]?\(skip))")
            add("GotoIf($[\"${QUEUE_MEMBER(\(queue.name),paused,${LAST})}\" = \"1\"]?\(skip))")
            add("GotoIf($[\"${DEVICE_STATE(${LAST})}\" != \"NOT_INUSE\"]?\(skip))")
            add("Dial(${LAST},15,t)")
            add("GotoIf($[\"${DIALSTATUS}\" = \"ANSWER\"]?\(done))")
            label(skip)
        }
        if s.recordAll { add("MixMonitor(\(plan.tenant)/${UNIQUEID}.wav,b)") }
        add("Queue(\(queue.name),t,,,\(s.maxWaitSeconds > 0 ? String(s.maxWaitSeconds) : ""))")
        add("GotoIf($[\"${QUEUESTATUS}\" = \"FULL\"]?\(full))")
        emit(queue.onTimeout)
        add("Goto(\(done))")
        label(full)
        add("NoOp(queue full)")
        emit(queue.onFull)
        label(done)
        add("Hangup()")
    }

    private mutating func variable(_ base: String) -> String {
        variableCount += 1
        return "\(base)\(variableCount)"
    }

    mutating func emitRing(_ ring: Ring) {
        let none = newLabel(), done = newLabel()
        // t: the called phone may transfer with *2 (CALL-1); x: and record with *1.
        let options = ring.onDemandRecording ? ",tx" : ",t"
        if ring.targets.count == 1, let only = ring.targets.first, only.afterSeconds == 0, case .phone(_, let endpoint) = only.kind {
            // One phone: its registered contacts are the whole dial string.
            add("Set(DS=${PJSIP_DIAL_CONTACTS(\(endpoint))})")
            add("GotoIf($[${LEN(${DS})} = 0]?\(none))")
            add("Dial(${DS},\(ring.seconds)\(options))")
        } else {
            add("Set(DS=)")
            for target in ring.targets {
                if target.afterSeconds > 0 {
                    let name = "\(legPrefix)s\(legs.count + 1)"
                    legs.append((name, [DialplanLine("Wait(\(target.afterSeconds))"), DialplanLine("Set(DS=)")] + dialString(target.kind, into: "DS") +
                                       [DialplanLine("GotoIf($[${LEN(${DS})} = 0]?nobody)"), DialplanLine("Dial(${DS:1})"),
                                        DialplanLine("Hangup()", label: "nobody")]))
                    add("Set(DS=${DS}&Local/\(name)@\(plan.tenant)-legs)")
                } else {
                    for line in dialString(target.kind, into: "DS") { add(line.application) }
                }
            }
            add("GotoIf($[${LEN(${DS})} = 0]?\(none))")
            add("Dial(${DS:1},\(ring.seconds)\(options))")
        }
        add("Goto(\(done))")
        label(none)
        add("Set(DIALSTATUS=CHANUNAVAIL)")
        label(done)
        add("NoOp(ring ended: ${DIALSTATUS})")
    }

    /// Appends a target to the `&`-separated dial string in `variable` (nothing for a phone
    /// with no registered device).
    func dialString(_ kind: RingTarget.Kind, into variable: String) -> [DialplanLine] {
        switch kind {
        case .phone(_, let endpoint):
            return [DialplanLine("Set(C=${PJSIP_DIAL_CONTACTS(\(endpoint))})"),
                    DialplanLine("Set(\(variable)=${\(variable)}${IF($[${LEN(${C})} > 0]?&)}${C})")]
        case .external(let number):
            return [DialplanLine("Set(\(variable)=${\(variable)}&PJSIP/\(number)@\(options.trunk))")]
        }
    }

    /// The condition as an Asterisk expression (inside `$[…]`); intervals first set a variable.
    mutating func expression(_ condition: Condition) -> String {
        switch condition {
        case .callerIs(let number):
            return "\"${FILTER(0-9+,${CALLERID(num)})}\" = \"\(number.filter { $0.isNumber || $0 == "+" })\""
        case .callerAnonymous:
            return "\"${FILTER(0-9+,${CALLERID(num)})}\" = \"\""
        case .inInterval(let id):
            let v = variable("IN")
            add("Set(\(v)=0)")
            guard let named = plan.intervals[id] else { return "${\(v)} = 1" }
            for spec in named.interval.asteriskSpecs() { add("ExecIfTime(\(spec)?Set(\(v)=1))") }
            let tz = named.interval.timeZone
            if let start = named.interval.startDate, let end = named.interval.endDate {
                let today = "${STRFTIME(${EPOCH},\(tz),%Y%m%d)}"
                add("ExecIf($[\(today) < \(Self.compact(start)) | \(today) > \(Self.compact(end))]?Set(\(v)=0))")
            }
            return "${\(v)} = 1"
        case .ruleActive(let number, let code):
            return "\"${DB(\(Self.toggleKey(plan: plan, extension: number, code: code)))}\" != \"off\""
        case .registered(let number):
            let state = deviceState(number)
            return "(\"\(state)\" != \"UNAVAILABLE\" & \"\(state)\" != \"INVALID\")"
        case .busy(let number):
            let state = deviceState(number)
            return "(" + ["INUSE", "BUSY", "RINGINUSE", "ONHOLD"].map { "\"\(state)\" = \"\($0)\"" }.joined(separator: " | ") + ")"
        case .lastRing(let outcomes):
            return "(" + outcomes.map { "\"${DIALSTATUS}\" = \"\($0.dialStatus)\"" }.joined(separator: " | ") + ")"
        case .applied:
            return "${APPLIED} > 0"
        case .not(let inner):
            return "!(\(expression(inner)))"
        case .all(let all):
            if all.isEmpty { return "1" }
            var parts: [String] = []
            for c in all { parts.append("(\(expression(c)))") }
            return parts.joined(separator: " & ")
        }
    }

    /// Reads the phone's device state into a variable once, for the expression that tests it.
    mutating func deviceState(_ number: String) -> String {
        let v = variable("DST")
        add("Set(\(v)=${DEVICE_STATE(PJSIP/\(lookup.endpoints[number] ?? number))})")
        return "${\(v)}"
    }

    /// `YYYYMMDD`, comparable as a number with `STRFTIME(…,%Y%m%d)`.
    static func compact(_ date: LocalDate) -> String { date.description.filter(\.isNumber) }
}
