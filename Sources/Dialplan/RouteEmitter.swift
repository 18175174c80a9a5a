import Telephony

/// Writes one route's steps as dial-plan priorities, with labels for the branches. Rings are in
/// `RouteEmitter+Ring.swift`, conditions in `RouteEmitter+Conditions.swift`.
struct RouteEmitter {
    let plan: CallPlan
    let lookup: PlanLookup
    let options: CompileOptions
    let context: AsteriskText
    let legPrefix: String
    var out: [DialplanLine] = []
    var labelCount = 0
    var variableCount = 0
    var legs: [(AsteriskText, [DialplanLine])] = []
    var pendingLabel: String?
    /// Device states read once when the route starts, by internal number: the route's own
    /// rings must not make its phone look busy to its later rules (Asterisk publishes device
    /// states asynchronously, so a phone just rung still reads INUSE for a moment).
    var capturedStates: [String: AsteriskText] = [:]
    /// Within an IVR context's start: sounds play with `Background`, so keys cut them short.
    var interruptible = false

    init(plan: CallPlan, lookup: PlanLookup, options: CompileOptions, context: AsteriskText, legPrefix: String) {
        self.plan = plan
        self.lookup = lookup
        self.options = options
        self.context = context
        self.legPrefix = legPrefix
    }

    var tenant: AsteriskText { "\(id: plan.tenant)" }

    static func toggleKey(plan: CallPlan, extension number: String, code: Int) -> AsteriskText {
        "centralita-\(id: plan.tenant)/\(number: number)-\(code)"
    }

    /// The database family of a sticky queue's last agents, keyed by filtered caller number.
    static func stickyFamily(plan: CallPlan, queue: QueuePlan) -> AsteriskText {
        "centralita-\(id: plan.tenant)/\(id: queue.name)-last"
    }

    static func recording(plan: CallPlan, announce: Bool) -> [DialplanLine] {
        // The notice plays as early media: answering the caller's leg here would bill the caller
        // and leave them in silence instead of ringback.
        (announce ? [DialplanLine("Progress()"), DialplanLine("Playback(beep,noanswer)")] : []) + [DialplanLine("MixMonitor(\(id: plan.tenant)/${UNIQUEID}.wav,b)")]
    }

    mutating func lines(for route: Route) -> [DialplanLine] {
        add("NoOp(\(display: route.title))")
        // Calls from phones carry it already (the endpoint's set_var).
        if context.text.hasSuffix("-inbound") {
            add("Set(__CENTRALITA_TENANT=\(tenant))")
            for line in Self.callerNormalisation(calledNumber: route.number) { add(line) }
        }
        add("Set(HOPS=$[0${HOPS} + 1])")
        add("GotoIf($[${HOPS} > \(Simulator.maximumTransfers)]?\(tenant)-ext,loop,1)")
        add("Set(APPLIED=0)")
        for number in Self.devicesTested(in: route.steps + route.ending) {
            let v = variable("DST")
            add("Set(\(v)=${DEVICE_STATE(PJSIP/\(id: lookup.endpoints[number] ?? number))})")
            capturedStates[number] = "${\(v)}"
        }
        emit(route.steps)
        label("end")
        add("NoOp(ending)")
        emit(route.ending)
        add("Hangup()")
        return out
    }

    /// The trust boundary of a public number: the caller's number as the carrier sent it is
    /// filtered to digits and `+` before anything reads it, then normalised to E.164 with the
    /// plan of the number called (`NumberingPlan.normalise`, which the simulator runs).
    static func callerNormalisation(calledNumber: String) -> [AsteriskText] {
        var lines: [AsteriskText] = [
            "Set(CALLERID(num)=${FILTER(0-9+,${CALLERID(num)})})",
            "Set(CALLERID(name)=${FILTER(\(printable),${CALLERID(name)})})",
            "Set(CALLERID(num)=${IF($[\"${CALLERID(num):0:2}\" = \"00\"]?+${CALLERID(num):2}:${CALLERID(num)})})",
        ]
        guard let country = NumberingPlan.of(NumberingPlan.filtered(calledNumber)) else { return lines }
        lines.append("Set(NATIONAL=${REGEX(\"^[0-9]{6,}$\" ${CALLERID(num)})})")
        if !country.trunkPrefix.isEmpty {
            let n = country.trunkPrefix.count
            lines.append("Set(CALLERID(num)=${IF($[${NATIONAL} & \"${CALLERID(num):0:\(n)}\" = \"\(digits: country.trunkPrefix)\"]?${CALLERID(num):\(n)}:${CALLERID(num)})})")
        }
        lines.append("Set(CALLERID(num)=${IF($[${NATIONAL}]?+\(digits: country.callingCode)${CALLERID(num)}:${CALLERID(num)})})")
        return lines
    }

    /// The bytes a caller's name may keep: printable ASCII but `"`, and every UTF-8 byte above
    /// 0x7F; control characters and line breaks go (the name reaches the CDR file and SIP).
    static let printable: AsteriskText = "\\x20-!#-~\\x80-\\xff"

    /// Steps of an IVR option or a call flow, then `tail` (where the call goes when they end).
    mutating func lines(steps: [Step], tail: [AsteriskText], head: [AsteriskText] = [], startLabel: String? = nil) -> [DialplanLine] {
        for line in head { add(line) }
        if let startLabel { label(startLabel) }
        emit(steps)
        for line in tail { add(line) }
        return out
    }

    mutating func add(_ application: AsteriskText) {
        out.append(DialplanLine(application, label: pendingLabel))
        pendingLabel = nil
    }

    /// A line with a label of its own (a pending label goes on a `NoOp` before it).
    mutating func add(_ application: AsteriskText, label own: String?) {
        guard let own else { return add(application) }
        label(own)
        add(application)
    }

    mutating func label(_ name: String) {
        if pendingLabel != nil { add("NoOp()") }
        pendingLabel = name
    }

    mutating func newLabel() -> String {
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
                add("GotoIf($[\(test)]?\(unsafeRaw: elseLabel))")
                emit(otherwise)
                label(elseLabel)
                return
            }
            add("GotoIf($[\(test)]?:\(unsafeRaw: elseLabel))")
            emit(then)
            if otherwise.isEmpty {
                label(elseLabel)
            } else {
                let endLabel = newLabel()
                add("Goto(\(unsafeRaw: endLabel))")
                label(elseLabel)
                emit(otherwise)
                label(endLabel)
            }
        case .markApplied(let rule):
            add("Set(APPLIED=\(rule))")
        case .goToRoute(let number):
            add("Goto(\(tenant)-ext,\(number: number),1)")
        case .voicemail(let mailbox, let busy):
            let number = mailbox.split(separator: "@").first.map(String.init) ?? mailbox
            let exit = lookup.voicemailExits[number]
            add("Set(VMEXIT=\(number: exit ?? ""))")
            add("VoiceMail(\(number: number)@\(tenant),\(busy ? "b" : "u"))")
            add("Hangup()")
        case .dialExternal(let number):
            add("Dial(PJSIP/\(number: number)@\(id: options.trunk),60)")
            add("Hangup()")
        case .identify(let password, _):
            let again = newLabel(), ok = newLabel()
            let tries = variable("TRIES")
            let pin = variable("PIN")
            add("Set(\(tries)=0)")
            label(again)
            // "Please enter your password followed by the pound key" (Asterisk's core prompts).
            add("Read(\(pin),agent-pass,20,,1,10)")
            add("GotoIf($[\"${FILTER(0-9,${\(pin)})}\" = \"\(options.secret("\(digits: password)"))\"]?\(unsafeRaw: ok))")
            add("Set(\(tries)=$[${\(tries)} + 1])")
            add("GotoIf($[${\(tries)} < 3]?\(unsafeRaw: again))")
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
            add("Goto(\(id: name),s,1)")
        case .flow(let key):
            add("Goto(\(tenant)-flow,\(number: key),1)")
        case .play(let file):
            guard let file else { return add("NoOp(missing sound)") }
            add(interruptible ? "Background(\(id: file))" : "Playback(\(id: file))")
        case .listenVoicemail:
            // Asks for the mailbox and its PIN (every mailbox has one): no open boxes.
            add("VoiceMailMain(@\(tenant))")
            add("Hangup()")
        case .webhook(let url, let timeout, let branches, let otherwise):
            // The raw reply stays in REPLY; only its filtered first digit is ever compared.
            let reply = variable("WH")
            // REPLY is shared by every notification of the call: emptied first, so a skipped
            // request never reads an earlier reply. (NAMEn below is the step's own variable.)
            add("Set(REPLY=)")
            emitRequest(into: "REPLY", url: url, timeout: timeout)
            add("Set(\(reply)=${FILTER(1-5,${REPLY:0:1})})")
            let done = newLabel()
            let labels = branches.map { _ in newLabel() }
            for (i, l) in labels.enumerated() { add("GotoIf($[\"${\(reply)}\" = \"\(i + 1)\"]?\(unsafeRaw: l))") }
            emit(otherwise)
            add("Goto(\(unsafeRaw: done))")
            for (l, branch) in zip(labels, branches) {
                label(l)
                add("NoOp(reply \(unsafeRaw: l))")
                emit(branch)
                add("Goto(\(unsafeRaw: done))")
            }
            label(done)
            add("NoOp(notified)")
        case .lookupName(let url, let timeout):
            let name = variable("NAME")
            emitRequest(into: name, url: url, timeout: timeout)
            // The reply is the web server's: it is only ever the value of a Set, never inside
            // an argument that is split again.
            let skip = newLabel()
            add("GotoIf($[${LEN(${\(name)})} = 0]?\(unsafeRaw: skip))")
            add("Set(CALLERID(name)=${FILTER(\(Self.printable),${\(name):0:40})})")
            label(skip)
        case .rewriteCaller(let prefix, let suffix):
            add("Set(CALLERID(num)=\(number: prefix)${CALLERID(num)}\(number: suffix))")
        case .notifyEmail(_, let key):
            // Runtime fields are URL-encoded: a comma in them would split the event's fields.
            add("UserEvent(CentralitaEmail,Tenant: \(tenant),Key: \(id: key),Caller: ${URIENCODE(${CALLERID(num)})},Name: ${URIENCODE(${CALLERID(name)})})")
        case .setLanguage(let language):
            add("Set(CHANNEL(language)=\(id: language))")
        }
    }

    /// `{number}` in an address becomes the caller's number, URL-encoded.
    static func url(_ template: String) -> AsteriskText {
        var text: AsteriskText = ""
        for (i, part) in template.split(separator: "{number}", omittingEmptySubsequences: false).enumerated() {
            if i > 0 { text = text + "${URIENCODE(${CALLERID(num)})}" }
            text = text + "\(url: String(part))"
        }
        return text
    }

    /// Waits in the queue; `FULL` runs the overflow steps, anything else (timeout, nobody to
    /// take calls) the timeout steps. A returning caller first rings their last agent (QUE-6).
    mutating func emitQueue(_ queue: QueuePlan) {
        let s = queue.settings
        let full = newLabel(), done = newLabel()
        let name: AsteriskText = "\(id: queue.name)"
        // Recording starts before the sticky ring: a call the last agent takes is a queue
        // call too, and record-all means all of them.
        if s.recordAll { add("MixMonitor(\(tenant)/${UNIQUEID}.wav,b)") }
        if s.stickyAgent {
            // The key is the caller's number filtered to digits and `+`; an anonymous caller
            // has no last agent (and no hang-up handler): they would all share one key. The
            // handler gets no arguments: it reads STICKY. LAST comes from our own database
            // but is filtered to an interface's characters before any use.
            let skip = newLabel()
            add("Set(STICKY=${FILTER(0-9+,${CALLERID(num)})})")
            add("GotoIf($[${LEN(${STICKY})} = 0]?\(unsafeRaw: skip))")
            add("Set(CHANNEL(hangup_handler_push)=\(tenant)-legs,remember-\(number: queue.number),1)")
            add("Set(LAST=${FILTER(-/.0-9A-Z_a-z,${DB(\(Self.stickyFamily(plan: plan, queue: queue))/${STICKY})})})")
            add("GotoIf($[${LEN(${LAST})} = 0]?\(unsafeRaw: skip))")
            add("Set(MEMBERS=${QUEUE_MEMBER_LIST(\(name))})")
            add("GotoIf($[${FIELDNUM(MEMBERS,\\,,${LAST})} = 0]?\(unsafeRaw: skip))")
            add("GotoIf($[\"${QUEUE_MEMBER(\(name),paused,${LAST})}\" = \"1\"]?\(unsafeRaw: skip))")
            add("GotoIf($[\"${DEVICE_STATE(${LAST})}\" != \"NOT_INUSE\"]?\(unsafeRaw: skip))")
            // U: once the agent answers, their channel reports the call as the queue's (the
            // node's queue events never see it: the ring is not Queue()'s).
            add("Dial(${LAST},\(Simulator.stickyRingSeconds),tU(\(tenant)-sticky^\(number: queue.number)))")
            add("GotoIf($[\"${DIALSTATUS}\" = \"ANSWER\"]?\(unsafeRaw: done))")
            label(skip)
        }
        add("Queue(\(name),t,,,\(s.maxWaitSeconds > 0 ? "\(s.maxWaitSeconds)" : ""))")
        add("GotoIf($[\"${QUEUESTATUS}\" = \"FULL\"]?\(unsafeRaw: full))")
        emit(queue.onTimeout)
        add("Goto(\(unsafeRaw: done))")
        label(full)
        add("NoOp(queue full)")
        emit(queue.onFull)
        label(done)
        add("Hangup()")
    }

    mutating func variable(_ base: StaticString) -> AsteriskText {
        variableCount += 1
        return "\(unsafeRaw: base.description)\(variableCount)"
    }

}
