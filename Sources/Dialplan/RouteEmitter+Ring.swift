import Telephony

/// Rings: the dial string of a step's targets (registered contacts only, phones already on a
/// call left out and counted as busy, delayed targets as local legs) and its `DIALSTATUS`.
extension RouteEmitter {
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
}
