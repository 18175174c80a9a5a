import Telephony

/// Writes one route's steps as dial-plan priorities, with labels for the branches.
struct RouteEmitter {
    let plan: CallPlan
    let lookup: PlanLookup
    let options: CompileOptions
    let context: AsteriskText
    let legPrefix: String
    private var out: [DialplanLine] = []
    private var labelCount = 0
    private var variableCount = 0
    private(set) var legs: [(AsteriskText, [DialplanLine])] = []
    private var pendingLabel: String?
    /// Device states read once when the route starts, by internal number: the route's own
    /// rings must not make its phone look busy to its later rules (Asterisk publishes device
    /// states asynchronously, so a phone just rung still reads INUSE for a moment).
    private var capturedStates: [String: AsteriskText] = [:]
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

    private mutating func add(_ application: AsteriskText) {
        out.append(DialplanLine(application, label: pendingLabel))
        pendingLabel = nil
    }

    /// A line with a label of its own (a pending label goes on a `NoOp` before it).
    private mutating func add(_ application: AsteriskText, label own: String?) {
        guard let own else { return add(application) }
        label(own)
        add(application)
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
            add("Set(CURLOPT(httptimeout)=\(timeout))")
            add("Set(REPLY=${CURL(\(Self.url(url)))})")
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
            add("Set(CURLOPT(httptimeout)=\(timeout))")
            add("Set(\(name)=${CURL(\(Self.url(url)))})")
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

    private mutating func variable(_ base: StaticString) -> AsteriskText {
        variableCount += 1
        return "\(unsafeRaw: base.description)\(variableCount)"
    }

    mutating func emitRing(_ ring: Ring) {
        let none = newLabel(), done = newLabel()
        // t: the called phone may transfer with *2 (CALL-1); x: and record with *1.
        let options: AsteriskText = ring.onDemandRecording ? ",tx" : ",t"
        // A phone already on a call is not rung (no call waiting): it counts as busy, so the
        // ring ends BUSY when nobody else could be rung.
        if ring.targets.count == 1, let only = ring.targets.first, only.afterSeconds == 0, case .phone(let number, let endpoint) = only.kind {
            // One phone: its registered contacts are the whole dial string.
            let busy = newLabel()
            for line in Self.contacts(of: endpoint, into: "DS") { add(line.application) }
            add("GotoIf($[${LEN(${DS})} = 0]?\(unsafeRaw: none))")
            add("GotoIf($[\(inUse(number: number, endpoint: endpoint))]?\(unsafeRaw: busy))")
            add("Dial(${DS},\(ring.seconds)\(options))")
            add("Goto(\(unsafeRaw: done))")
            label(busy)
            add("Set(DIALSTATUS=BUSY)")
        } else {
            add("Set(DS=)")
            add("Set(SAWBUSY=0)")
            for target in ring.targets {
                if target.afterSeconds > 0 {
                    // Cause 17 (busy) or 20 (absent) tells the outer Dial why this leg ended.
                    let name: AsteriskText = "\(id: legPrefix)s\(legs.count + 1)"
                    legs.append((name, [DialplanLine("Wait(\(target.afterSeconds))"), DialplanLine("Set(DS=)"), DialplanLine("Set(SAWBUSY=0)")]
                                       + dialString(target.kind, into: "DS", skip: "counted", busy: "inuse", live: true)
                                       + [DialplanLine("GotoIf($[${LEN(${DS})} = 0]?nobody)"), DialplanLine("Dial(${DS:1})"), DialplanLine("Hangup()"),
                                          DialplanLine("GotoIf($[${SAWBUSY} = 1]?engaged)", label: "nobody"), DialplanLine("Hangup(20)"),
                                          DialplanLine("Hangup(17)", label: "engaged")]))
                    add("Set(DS=${DS}&Local/\(name)@\(tenant)-legs)")
                } else {
                    let skip = newLabel(), busy = newLabel()
                    for line in dialString(target.kind, into: "DS", skip: skip, busy: busy) { add(line.application, label: line.label) }
                }
            }
            add("GotoIf($[${LEN(${DS})} = 0]?\(unsafeRaw: none))")
            add("Dial(${DS:1},\(ring.seconds)\(options))")
        }
        add("Goto(\(unsafeRaw: done))")
        label(none)
        add(ring.targets.count == 1 && ring.targets[0].afterSeconds == 0 && ring.targets[0].isPhone
            ? "Set(DIALSTATUS=CHANUNAVAIL)" : "Set(DIALSTATUS=${IF($[${SAWBUSY} = 1]?BUSY:CHANUNAVAIL)})")
        label(done)
        add("NoOp(ring ended: ${DIALSTATUS})")
    }

    /// A phone's registered contacts as a dial string in `variable`, or nothing. The contact
    /// URIs come from the phone's REGISTER, and a SIP user part may hold `,` `&` `(`: unchecked,
    /// a phone could add Dial options or dial targets (another tenant's context, the trunk). So
    /// the whole string must be `PJSIP/<endpoint>/sip:…` pieces of URI characters without
    /// `,` `&` `(` `)` `"` `$` or spaces, or it is dropped. (`\\;` is a literal `;` in the file.)
    static func contacts(of endpoint: String, into variable: AsteriskText) -> [DialplanLine] {
        let uri: AsteriskText = "PJSIP/\(id: endpoint)/sips?:[][A-Za-z0-9_.!~*%+=:@/\\;-]+"
        return [DialplanLine("Set(\(variable)=${PJSIP_DIAL_CONTACTS(\(id: endpoint))})"),
                DialplanLine("ExecIf($[!${REGEX(\"^\(uri)(&\(uri))*$\" ${\(variable)})}]?Set(\(variable)=))")]
    }

    /// Appends a target to the `&`-separated dial string in `variable`: nothing for a phone
    /// with no registered device, nothing but `SAWBUSY=1` for a phone already on a call.
    /// `skip` and `busy` are labels for these lines' own branches. `live`: the lines run on
    /// another channel (a delayed leg), which has not the route's captured states.
    func dialString(_ kind: RingTarget.Kind, into variable: AsteriskText, skip: String, busy: String, live: Bool = false) -> [DialplanLine] {
        switch kind {
        case .phone(let number, let endpoint):
            let test = live ? Self.inUseNow(endpoint) : inUse(number: number, endpoint: endpoint)
            return Self.contacts(of: endpoint, into: "C") + [
                DialplanLine("GotoIf($[${LEN(${C})} = 0]?\(unsafeRaw: skip))"),
                DialplanLine("GotoIf($[\(test)]?\(unsafeRaw: busy))"),
                DialplanLine("Set(\(variable)=${\(variable)}&${C})"),
                DialplanLine("Goto(\(unsafeRaw: skip))"),
                DialplanLine("Set(SAWBUSY=1)", label: busy),
                DialplanLine("NoOp()", label: skip)]
        case .external(let number):
            return [DialplanLine("Set(\(variable)=${\(variable)}&PJSIP/\(number: number)@\(id: options.trunk))")]
        }
    }

    /// The device states that mean "on a call" (phones with `device_state_busy_at=1`).
    static let busyStates = ["INUSE", "BUSY", "RINGINUSE", "ONHOLD"]

    static func inUseNow(_ endpoint: String) -> AsteriskText {
        let state: AsteriskText = "${DEVICE_STATE(PJSIP/\(id: endpoint))}"
        return anyOf(busyStates.map { "\"\(state)\" = \"\(id: $0)\"" })
    }

    /// An expression that holds while the phone is on a call: its state as the route found it
    /// when the route captured it, else as it is now.
    func inUse(number: String, endpoint: String) -> AsteriskText {
        guard let state = capturedStates[number] else { return Self.inUseNow(endpoint) }
        return Self.anyOf(Self.busyStates.map { "\"\(state)\" = \"\(id: $0)\"" })
    }

    /// The condition as an Asterisk expression (inside `$[…]`); intervals first set a variable.
    mutating func expression(_ condition: Condition) -> AsteriskText {
        switch condition {
        case .callerIs(let number):
            return "\"${FILTER(0-9+,${CALLERID(num)})}\" = \"\(number: NumberingPlan.filtered(number))\""
        case .callerAnonymous:
            return "\"${FILTER(0-9+,${CALLERID(num)})}\" = \"\""
        case .inInterval(let id):
            let v = variable("IN")
            add("Set(\(v)=0)")
            guard let named = plan.intervals[id] else { return "${\(v)} = 1" }
            var interval = named.interval
            interval.timeZone = TextSink.timeZone.clean(interval.timeZone)
            // AsteriskTimeSpec writes numbers, weekday and month names and the cleaned zone.
            for spec in interval.asteriskSpecs() { add("ExecIfTime(\(unsafeRaw: spec.description)?Set(\(v)=1))") }
            let tz: AsteriskText = "\(timeZone: interval.timeZone)"
            if let start = interval.startDate, let end = interval.endDate {
                let today: AsteriskText = "${STRFTIME(${EPOCH},\(tz),%Y%m%d)}"
                add("ExecIf($[\(today) < \(Self.compact(start)) | \(today) > \(Self.compact(end))]?Set(\(v)=0))")
            }
            return "${\(v)} = 1"
        case .ruleActive(let number, let code):
            return "\"${FILTER(a-z,${DB(\(Self.toggleKey(plan: plan, extension: number, code: code)))})}\" != \"off\""
        case .registered(let number):
            let state = deviceState(number)
            return "(\"\(state)\" != \"UNAVAILABLE\" & \"\(state)\" != \"INVALID\")"
        case .busy(let number):
            let state = deviceState(number)
            return Self.anyOf(Self.busyStates.map { "\"\(state)\" = \"\(id: $0)\"" })
        case .lastRing(let outcomes):
            return Self.anyOf(outcomes.map { "\"${DIALSTATUS}\" = \"\(id: $0.dialStatus)\"" })
        case .applied:
            return "${APPLIED} > 0"
        case .not(let inner):
            return "!(\(expression(inner)))"
        case .all(let all):
            if all.isEmpty { return "1" }
            var text: AsteriskText = ""
            for (i, c) in all.enumerated() { text = text + (i == 0 ? "" : " & ") + "(\(expression(c)))" }
            return text
        }
    }

    /// Phones whose registration or busy state the steps test, in first-use order.
    static func devicesTested(in steps: [Step]) -> [String] {
        var found: [String] = []
        func visit(_ c: Condition) {
            switch c {
            case .registered(let n), .busy(let n): if !found.contains(n) { found.append(n) }
            case .not(let inner): visit(inner)
            case .all(let all): all.forEach(visit)
            default: break
            }
        }
        func visit(_ steps: [Step]) {
            for step in steps {
                if case .when(let c, let then, let otherwise) = step {
                    visit(c)
                    visit(then)
                    visit(otherwise)
                }
            }
        }
        visit(steps)
        return found
    }

    /// `(a | b | …)`.
    static func anyOf(_ tests: [AsteriskText]) -> AsteriskText {
        var text: AsteriskText = "("
        for (i, test) in tests.enumerated() { text = text + (i == 0 ? "" : " | ") + test }
        return text + ")"
    }

    /// The phone's device state: read at the route's start, or (in IVR options and call
    /// flows) into a variable where the expression tests it.
    mutating func deviceState(_ number: String) -> AsteriskText {
        if let captured = capturedStates[number] { return captured }
        let v = variable("DST")
        add("Set(\(v)=${DEVICE_STATE(PJSIP/\(id: lookup.endpoints[number] ?? number))})")
        return "${\(v)}"
    }

    /// `YYYYMMDD`, comparable as a number with `STRFTIME(…,%Y%m%d)`.
    static func compact(_ date: LocalDate) -> AsteriskText { "\(digits: date.description)" }
}
