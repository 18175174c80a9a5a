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
    /// Device states read once when the route starts, by internal number: the route's own
    /// rings must not make its phone look busy to its later rules (Asterisk publishes device
    /// states asynchronously, so a phone just rung still reads INUSE for a moment).
    private var capturedStates: [String: String] = [:]
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
        for number in Self.devicesTested(in: route.steps + route.ending) {
            let v = variable("DST")
            add("Set(\(v)=${DEVICE_STATE(PJSIP/\(lookup.endpoints[number] ?? number))})")
            capturedStates[number] = "${\(v)}"
        }
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

    /// A line with a label of its own (a pending label goes on a `NoOp` before it).
    private mutating func add(_ application: String, label own: String?) {
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
        // A phone already on a call is not rung (no call waiting): it counts as busy, so the
        // ring ends BUSY when nobody else could be rung.
        if ring.targets.count == 1, let only = ring.targets.first, only.afterSeconds == 0, case .phone(let number, let endpoint) = only.kind {
            // One phone: its registered contacts are the whole dial string.
            let busy = newLabel()
            add("Set(DS=${PJSIP_DIAL_CONTACTS(\(endpoint))})")
            add("GotoIf($[${LEN(${DS})} = 0]?\(none))")
            add("GotoIf($[\(inUse(number: number, endpoint: endpoint))]?\(busy))")
            add("Dial(${DS},\(ring.seconds)\(options))")
            add("Goto(\(done))")
            label(busy)
            add("Set(DIALSTATUS=BUSY)")
        } else {
            add("Set(DS=)")
            add("Set(SAWBUSY=0)")
            for target in ring.targets {
                if target.afterSeconds > 0 {
                    // Cause 17 (busy) or 20 (absent) tells the outer Dial why this leg ended.
                    let name = "\(legPrefix)s\(legs.count + 1)"
                    legs.append((name, [DialplanLine("Wait(\(target.afterSeconds))"), DialplanLine("Set(DS=)"), DialplanLine("Set(SAWBUSY=0)")]
                                       + dialString(target.kind, into: "DS", skip: "counted", busy: "inuse", live: true)
                                       + [DialplanLine("GotoIf($[${LEN(${DS})} = 0]?nobody)"), DialplanLine("Dial(${DS:1})"), DialplanLine("Hangup()"),
                                          DialplanLine("GotoIf($[${SAWBUSY} = 1]?engaged)", label: "nobody"), DialplanLine("Hangup(20)"),
                                          DialplanLine("Hangup(17)", label: "engaged")]))
                    add("Set(DS=${DS}&Local/\(name)@\(plan.tenant)-legs)")
                } else {
                    let skip = newLabel(), busy = newLabel()
                    for line in dialString(target.kind, into: "DS", skip: skip, busy: busy) { add(line.application, label: line.label) }
                }
            }
            add("GotoIf($[${LEN(${DS})} = 0]?\(none))")
            add("Dial(${DS:1},\(ring.seconds)\(options))")
        }
        add("Goto(\(done))")
        label(none)
        add(ring.targets.count == 1 && ring.targets[0].afterSeconds == 0 && ring.targets[0].isPhone
            ? "Set(DIALSTATUS=CHANUNAVAIL)" : "Set(DIALSTATUS=${IF($[${SAWBUSY} = 1]?BUSY:CHANUNAVAIL)})")
        label(done)
        add("NoOp(ring ended: ${DIALSTATUS})")
    }

    /// Appends a target to the `&`-separated dial string in `variable`: nothing for a phone
    /// with no registered device, nothing but `SAWBUSY=1` for a phone already on a call.
    /// `skip` and `busy` are labels for these lines' own branches.
    /// `live`: the line runs on another channel (a delayed leg), which has not the route's
    /// captured states.
    func dialString(_ kind: RingTarget.Kind, into variable: String, skip: String, busy: String, live: Bool = false) -> [DialplanLine] {
        switch kind {
        case .phone(let number, let endpoint):
            return [DialplanLine("Set(C=${PJSIP_DIAL_CONTACTS(\(endpoint))})"),
                    DialplanLine("GotoIf($[${LEN(${C})} = 0]?\(skip))"),
                    DialplanLine("GotoIf($[\(live ? Self.inUseNow(endpoint) : inUse(number: number, endpoint: endpoint))]?\(busy))"),
                    DialplanLine("Set(\(variable)=${\(variable)}&${C})"),
                    DialplanLine("Goto(\(skip))"),
                    DialplanLine("Set(SAWBUSY=1)", label: busy),
                    DialplanLine("NoOp()", label: skip)]
        case .external(let number):
            return [DialplanLine("Set(\(variable)=${\(variable)}&PJSIP/\(number)@\(options.trunk))")]
        }
    }

    /// The device states that mean "on a call" (phones with `device_state_busy_at=1`).
    static let busyStates = ["INUSE", "BUSY", "RINGINUSE", "ONHOLD"]

    static func inUseNow(_ endpoint: String) -> String {
        busyStates.map { "\"${DEVICE_STATE(PJSIP/\(endpoint))}\" = \"\($0)\"" }.joined(separator: " | ")
    }

    /// An expression that holds while the phone is on a call: its state as the route found it
    /// when the route captured it, else as it is now.
    func inUse(number: String, endpoint: String) -> String {
        guard let state = capturedStates[number] else { return Self.inUseNow(endpoint) }
        return Self.busyStates.map { "\"\(state)\" = \"\($0)\"" }.joined(separator: " | ")
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
            return "(" + Self.busyStates.map { "\"\(state)\" = \"\($0)\"" }.joined(separator: " | ") + ")"
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

    /// The phone's device state: read at the route's start, or (in IVR options and call
    /// flows) into a variable where the expression tests it.
    mutating func deviceState(_ number: String) -> String {
        if let captured = capturedStates[number] { return captured }
        let v = variable("DST")
        add("Set(\(v)=${DEVICE_STATE(PJSIP/\(lookup.endpoints[number] ?? number))})")
        return "${\(v)}"
    }

    /// `YYYYMMDD`, comparable as a number with `STRFTIME(…,%Y%m%d)`.
    static func compact(_ date: LocalDate) -> String { date.description.filter(\.isNumber) }
}
