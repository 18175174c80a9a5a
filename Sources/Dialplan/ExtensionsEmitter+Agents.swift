/// Queue agents' and supervisors' feature codes.
extension ExtensionsEmitter {
    /// QUE-3 from the phone: `*45` log in, `*46` pause or resume, `*47` log out — followed by
    /// the queue's number for one queue, alone for every queue the phone serves. A PIN, when
    /// the agent has one, is asked before logging in (the keyed digits are filtered before
    /// they are hashed). The node reports each change (AMI `QueueMember*` events) and the
    /// portal shows it. The member's name is display text: it cannot hold a separator.
    func agentCodes(_ phone: Phone) -> [(AsteriskText, [DialplanLine])] {
        guard !phone.agentOf.isEmpty, let endpoint = lookup.endpoints[phone.number] else { return [] }
        let interface: AsteriskText = "PJSIP/\(id: endpoint)"
        let name: AsteriskText = phone.callerName.isEmpty ? "\(number: phone.number)" : "\(number: phone.number) \(display: phone.callerName)"
        var skips = 0
        func login(_ seat: AgentSeat) -> [DialplanLine] {
            let queue: AsteriskText = "\(tenant)-q\(number: seat.queue)"
            var lines: [DialplanLine] = []
            if let pin = seat.pin {
                lines.append(DialplanLine("Read(PIN,agent-pass,8,,3,10)"))
                lines.append(DialplanLine("ExecIf($[\"${SHA1(\(options.secret("\(id: pin.salt)"))${FILTER(0-9,${PIN})})}\" != \"\(options.secret("\(id: pin.sha1)"))\"]?Set(DENIED=1))"))
            }
            skips += 1
            let skip = "denied\(skips)"
            lines.append(DialplanLine("GotoIf($[0${DENIED} != 0]?\(unsafeRaw: skip))"))
            lines.append(DialplanLine("AddQueueMember(\(queue),\(interface),\(seat.penalty),,\(name),\(interface))"))
            lines.append(DialplanLine("NoOp()", label: skip))
            return lines
        }
        let all = phone.agentOf
        var codes: [(AsteriskText, [DialplanLine])] = []
        let answer = DialplanLine("Answer()")
        let done = [DialplanLine("Playback(${IF($[0${DENIED} = 0]?agent-loginok:agent-incorrect)})"), DialplanLine("Hangup()")]
        codes.append(("*45", [answer, DialplanLine("Set(DENIED=0)")] + all.flatMap(login) + done))
        codes.append(("*46", [answer, DialplanLine("Set(P=${IF($[\"${QUEUE_MEMBER(\(tenant)-q\(number: all[0].queue),paused,\(interface))}\" = \"1\"]?0:1)})"),
                              DialplanLine("ExecIf($[${P} = 1]?PauseQueueMember(,\(interface)):UnpauseQueueMember(,\(interface)))"),
                              DialplanLine("Playback(${IF($[${P} = 1]?dictate/paused:agent-loginok)})"), DialplanLine("Hangup()")]))
        codes.append(("*47", [answer] + all.map { DialplanLine("RemoveQueueMember(\(tenant)-q\(number: $0.queue),\(interface))") } +
                             [DialplanLine("Playback(agent-loggedoff)"), DialplanLine("Hangup()")]))
        for seat in all {
            let queue: AsteriskText = "\(tenant)-q\(number: seat.queue)"
            skips = 0
            codes.append(("*45\(number: seat.queue)", [answer, DialplanLine("Set(DENIED=0)")] + login(seat) + done))
            codes.append(("*46\(number: seat.queue)", [answer, DialplanLine("Set(P=${IF($[\"${QUEUE_MEMBER(\(queue),paused,\(interface))}\" = \"1\"]?0:1)})"),
                                                DialplanLine("ExecIf($[${P} = 1]?PauseQueueMember(\(queue),\(interface)):UnpauseQueueMember(\(queue),\(interface)))"),
                                                DialplanLine("Playback(${IF($[${P} = 1]?dictate/paused:agent-loginok)})"), DialplanLine("Hangup()")]))
            codes.append(("*47\(number: seat.queue)", [answer, DialplanLine("RemoveQueueMember(\(queue),\(interface))"),
                                                DialplanLine("Playback(agent-loggedoff)"), DialplanLine("Hangup()")]))
        }
        return codes
    }

    /// QUE-5: `4#N` listen, `5#N` whisper to the agent, `6#N` join the call.
    func spyCodes(_ target: String) -> [(AsteriskText, [DialplanLine])] {
        guard let endpoint = lookup.endpoints[target] else { return [] }
        let codes: [(AsteriskText, AsteriskText)] = [("4#", "bqE"), ("5#", "bqEw"), ("6#", "bqEB")]
        return codes.map { code, options in
            ("\(code)\(number: target)", [DialplanLine("Answer()"), DialplanLine("ChanSpy(PJSIP/\(id: endpoint)-,\(options))"), DialplanLine("Hangup()")])
        }
    }
}
