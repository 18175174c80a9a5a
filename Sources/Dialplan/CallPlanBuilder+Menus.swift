import Telephony

/// Queues, IVR contexts and call flows lowered into the `CallPlan`: the same steps the rules
/// use, plus queue, menu, play, webhook and caller-rewriting steps.
extension CallPlanBuilder {
    func queueName(_ number: String) -> String { "\(snapshot.prefix)-q\(number)" }

    func queuePlans() -> [QueuePlan] {
        snapshot.queues.compactMap { q -> QueuePlan? in
            guard let e = extensionsByID[q.extensionID], e.kind == .queue else { return nil }
            let agents = q.agents.compactMap { a -> QueueAgentPlan? in
                guard let phone = extensionsByID[a.extensionID], phone.kind == .phone else { return nil }
                return QueueAgentPlan(number: phone.number, endpoint: phone.sipUsername, penalty: a.penalty, state: a.state)
            }
            let reason = "queue \(e.number)"
            return QueuePlan(number: e.number, name: queueName(e.number), title: title(e), settings: q.settings,
                             holdMusicClass: q.settings.holdMusicId.flatMap { SystemSounds.holdMusic[$0] } ?? "default",
                             announcement: q.settings.announcement.flatMap { SystemSounds.prompts[$0.soundId] }, agents: agents,
                             onTimeout: q.settings.timeoutDestination.map { transfer(to: $0, reason: reason) } ?? [.hangup],
                             onFull: q.settings.overflowDestination.map { transfer(to: $0, reason: reason) } ?? [.busy])
        }.sorted { $0.number < $1.number }
    }

    /// Dialling a queue's or an IVR's internal number.
    func serviceRoute(_ e: TenantSnapshot.Extension) -> Route {
        guard snapshot.active else { return Route(number: e.number, title: title(e), steps: [.reject], ending: []) }
        switch e.kind {
        case .queue:
            return Route(number: e.number, title: title(e), steps: [.queue(e.number)], ending: [])
        case .ivr:
            let entry = ivrsByID[e.id].flatMap { ivr in ivr.contexts.firstIndex(where: \.entry).map { menuName(e, $0) } }
            return Route(number: e.number, title: title(e), steps: entry.map { [.menu($0)] } ?? [.hangup], ending: [])
        case .phone:
            return route(for: e)
        }
    }

    func menuName(_ ivr: TenantSnapshot.Extension, _ index: Int) -> String { "\(snapshot.prefix)-ivr\(ivr.number)-\(index + 1)" }

    func menus() -> [Menu] {
        var all: [Menu] = []
        for ivr in snapshot.ivrs {
            guard let e = extensionsByID[ivr.extensionID], e.kind == .ivr else { continue }
            let names = Dictionary(ivr.contexts.enumerated().map { ($1.id, menuName(e, $0)) }, uniquingKeysWith: { a, _ in a })
            for (i, context) in ivr.contexts.enumerated() {
                let reference = "ivr \(e.number) / \(context.name)"
                func lowered(_ key: String) -> [Step] {
                    steps(context.options[key] ?? [], contexts: names, reference: "\(reference) / \(key)")
                }
                var keys: [String: [Step]] = [:]
                for key in ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "star", "hash"] where context.options[key] != nil {
                    keys[key == "star" ? "*" : key == "hash" ? "#" : key] = lowered(key)
                }
                all.append(Menu(name: menuName(e, i), title: "\(title(e)) — \(context.name)", timeoutSeconds: context.timeoutSeconds,
                                maxRetries: context.maxRetries, directDial: context.directDial, start: lowered("start"),
                                keys: keys, timeout: lowered("timeout"), invalid: lowered("invalid")))
            }
        }
        return all.sorted { $0.name < $1.name }
    }

    func flows() -> [Route] {
        snapshot.callFlows.compactMap { flow -> Route? in
            guard let key = flowKeys[flow.id] else { return nil }
            let steps = snapshot.active ? steps(flow.actions, contexts: [:], reference: "flow \(flow.name)") : [.reject]
            return Route(number: key, title: "call flow \(flow.name)", steps: steps, ending: [.hangup])
        }.sorted { Int($0.number) ?? 0 < Int($1.number) ?? 0 }
    }

    /// An action list as steps; `contexts` names the IVR's contexts by ID (for `goto`).
    func steps(_ actions: [MenuAction], contexts: [String: String], reference: String) -> [Step] {
        var out: [Step] = []
        for action in actions {
            switch action {
            case .play(let id): out.append(.play(SystemSounds.prompts[id]))
            case .transfer(let destination): out += transfer(to: destination, reason: reference)
            case .goto(let id): out.append(contexts[id].map(Step.menu) ?? .hangup)
            case .dialExternal(let number): out.append(.dialExternal(number))
            case .voicemail(let id): out += transfer(to: .voicemail(extensionID: id), reason: reference)
            case .listenVoicemail: out.append(.listenVoicemail)
            case .timeRouting(let interval, let then, let otherwise):
                out.append(.when(.inInterval(id: interval), then: steps(then, contexts: contexts, reference: reference),
                                 otherwise: steps(otherwise, contexts: contexts, reference: reference)))
            case .httpNotification(let url, let timeout, let branches, let otherwise):
                out.append(.webhook(url: url, timeoutSeconds: timeout, branches: branches.map { steps($0, contexts: contexts, reference: reference) },
                                    otherwise: steps(otherwise, contexts: contexts, reference: reference)))
            case .lookupName(let url, let timeout): out.append(.lookupName(url: url, timeoutSeconds: timeout))
            case .callerNumber(let prefix, let suffix): out.append(.rewriteCaller(prefix: prefix, suffix: suffix))
            case .email(let to, let template): out.append(.notifyEmail(to: to, key: MenuAction.emailKey(to: to, template: template)))
            case .setLanguage(let language): out.append(.setLanguage(language))
            case .hangup: out.append(.hangup)
            }
            if action.handsOver { break }
        }
        return out
    }

    /// The agent seats of each phone, and whom each supervisor may listen to.
    func agentSeats() -> (seats: [String: [AgentSeat]], supervises: [String: [String]]) {
        var seats: [String: [AgentSeat]] = [:], supervises: [String: Set<String>] = [:]
        for q in snapshot.queues {
            guard let queue = extensionsByID[q.extensionID], queue.kind == .queue else { continue }
            let phones = q.agents.compactMap { a in extensionsByID[a.extensionID].map { (a, $0) } }.filter { $0.1.kind == .phone }
            for (agent, phone) in phones {
                let pin = agent.pinSalt.flatMap { salt in agent.pinSHA1.map { (salt: salt, sha1: $0) } }
                seats[phone.number, default: []].append(AgentSeat(queue: queue.number, penalty: agent.penalty, pin: pin))
                if agent.supervisor {
                    supervises[phone.number, default: []].formUnion(phones.map(\.1.number).filter { $0 != phone.number })
                }
            }
        }
        return (seats.mapValues { $0.sorted { $0.queue < $1.queue } }, supervises.mapValues { $0.sorted() })
    }

    func title(_ e: TenantSnapshot.Extension) -> String { e.displayName.isEmpty ? e.number : "\(e.number) \(e.displayName)" }
}
