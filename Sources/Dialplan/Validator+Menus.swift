import Telephony

/// Checks of queues, IVR contexts and call flows (IVR-4's "test"): dangling references,
/// missing sounds, unreachable contexts, menus that loop with no way out, queues nobody serves.
extension Validator {
    func checkQueues() -> [Finding] {
        var f: [Finding] = []
        let byExtension = Dictionary(snapshot.queues.map { ($0.extensionID, $0) }, uniquingKeysWith: { a, _ in a })
        for e in snapshot.extensions.filter({ $0.kind == .queue }).sorted(by: { $0.number < $1.number }) {
            let q = byExtension[e.id] ?? TenantSnapshot.Queue(extensionID: e.id)
            let what = "queue \(e.number)"
            func finding(_ severity: Finding.Severity, _ code: String, _ field: String?, _ message: String, _ hint: String) -> Finding {
                Finding(severity: severity, code: code, resource: "queue", resourceId: e.id, extensionId: e.id, field: field, message: message, hint: hint)
            }
            if q.agents.filter({ extensions[$0.extensionID]?.kind == .phone }).isEmpty {
                f.append(finding(.warning, "queueWithoutAgents", "agents", "Queue \(e.number) has no agents: every caller goes to its timeout destination.",
                                 "Add agents to the queue."))
            }
            if let id = q.settings.holdMusicId, !SystemSounds.isHoldMusic(id) {
                f.append(finding(.error, "missingSound", "holdMusicId", "Queue \(e.number) plays hold music \(id), which does not exist.", "Choose existing hold music."))
            }
            if let a = q.settings.announcement, !SystemSounds.isPrompt(a.soundId) {
                f.append(finding(.error, "missingSound", "announcement.soundId", "Queue \(e.number) announces sound \(a.soundId), which does not exist.",
                                 "Choose an existing sound or remove the announcement."))
            }
            for (field, destination) in q.settings.destinations {
                f += check(destination, field: field, resource: "queue", id: e.id, extensionID: e.id, what: what)
            }
        }
        return f
    }

    func checkIVRs() -> [Finding] {
        var f: [Finding] = []
        let byExtension = Dictionary(snapshot.ivrs.map { ($0.extensionID, $0) }, uniquingKeysWith: { a, _ in a })
        for e in snapshot.extensions.filter({ $0.kind == .ivr }).sorted(by: { $0.number < $1.number }) {
            let contexts = byExtension[e.id]?.contexts ?? []
            guard let entry = contexts.first(where: \.entry) else {
                f.append(Finding(severity: .error, code: "ivrWithoutContexts", resource: "extension", resourceId: e.id, extensionId: e.id, field: "contexts",
                                 message: "IVR \(e.number) has no entry context: calls to it are hung up.", hint: "Add a context to the IVR."))
                continue
            }
            let ids = Set(contexts.map(\.id))
            for context in contexts {
                let what = "context “\(context.name)” of IVR \(e.number)"
                func finding(_ severity: Finding.Severity, _ code: String, _ field: String?, _ message: String, _ hint: String) -> Finding {
                    Finding(severity: severity, code: code, resource: "ivrContext", resourceId: context.id, extensionId: e.id, field: field,
                            message: message, hint: hint)
                }
                let keys = context.options.keys.filter { !["start", "timeout", "invalid"].contains($0) }
                let start = context.options["start"] ?? []
                if keys.isEmpty, !start.contains(where: \.handsOver) {
                    f.append(finding(.warning, "noOptions", "options", "\(what.capitalizedFirst) offers no key and its start does not send the call anywhere: callers can only wait and hang up.",
                                     "Give the context key options or end its start with a transfer."))
                }
                for key in context.options.keys.sorted() {
                    let actions = context.options[key] ?? []
                    f += references(actions, path: "options.\(key)", contexts: ids, what: what, finding: finding)
                }
            }
            f += unreachable(contexts, entry: entry, ivr: e) + menuLoops(contexts, ivr: e)
        }
        return f
    }

    func checkCallFlows() -> [Finding] {
        var f: [Finding] = []
        for flow in snapshot.callFlows.sorted(by: { $0.name < $1.name }) {
            let what = "call flow “\(flow.name)”"
            func finding(_ severity: Finding.Severity, _ code: String, _ field: String?, _ message: String, _ hint: String) -> Finding {
                Finding(severity: severity, code: code, resource: "callFlow", resourceId: flow.id, field: field, message: message, hint: hint)
            }
            f += references(flow.actions, path: "actions", contexts: [], what: what, finding: finding)
        }
        return f
    }

    /// Dangling destinations, intervals and contexts, and missing sounds, in an action list.
    func references(_ actions: [MenuAction], path: String, contexts: Set<String>, what: String,
                    finding: (Finding.Severity, String, String?, String, String) -> Finding) -> [Finding] {
        var f: [Finding] = []
        for (field, reference) in MenuAction.references(actions, path: path) {
            switch reference {
            case .destination(let destination):
                for found in check(destination, field: field, resource: "", id: "", extensionID: nil, what: what) {
                    f.append(finding(found.severity, found.code, field, found.message, found.hint))
                }
            case .interval(let id) where !intervals.contains(id):
                f.append(finding(.error, "danglingInterval", field, "\(what.capitalizedFirst) routes by a time interval that no longer exists.",
                                 "Choose another interval."))
            case .sound(let id) where !SystemSounds.isPrompt(id):
                f.append(finding(.error, "missingSound", field, "\(what.capitalizedFirst) plays sound \(id), which does not exist.", "Choose an existing sound."))
            case .context(let id) where !contexts.contains(id):
                f.append(finding(.error, "danglingContext", field, "\(what.capitalizedFirst) goes to a context that no longer exists.", "Choose another context."))
            default:
                break
            }
        }
        return f
    }

    /// Contexts no call can reach: not the entry and no reachable context goes to them.
    func unreachable(_ contexts: [TenantSnapshot.IVRContext], entry: TenantSnapshot.IVRContext, ivr: TenantSnapshot.Extension) -> [Finding] {
        var reached: Set<String> = [entry.id], queue = [entry]
        let byID = Dictionary(contexts.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        while let context = queue.popLast() {
            for actions in context.options.values {
                for case (_, .context(let id)) in MenuAction.references(actions, path: "") where !reached.contains(id) {
                    reached.insert(id)
                    if let next = byID[id] { queue.append(next) }
                }
            }
        }
        return contexts.filter { !reached.contains($0.id) }.map { c in
            Finding(severity: .warning, code: "unreachableContext", resource: "ivrContext", resourceId: c.id, extensionId: ivr.id, field: "entry",
                    message: "Context “\(c.name)” of IVR \(ivr.number) is never reached: neither the entry nor any reached context goes to it.",
                    hint: "Go to it from an option of another context, or delete it.")
        }
    }

    /// Contexts whose start always goes on to another context, round in a circle: the caller
    /// never gets to press a key.
    func menuLoops(_ contexts: [TenantSnapshot.IVRContext], ivr: TenantSnapshot.Extension) -> [Finding] {
        var edges: [String: String] = [:]
        for c in contexts {
            for action in c.options["start"] ?? [] {
                if case .goto(let id) = action { edges[c.id] = id }
                if action.handsOver { break }
            }
        }
        let names = Dictionary(contexts.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        var reported = Set<String>(), f: [Finding] = []
        for start in edges.keys.sorted() where !reported.contains(start) {
            var seen: [String] = [], current = start
            while let next = edges[current], !seen.contains(current) {
                seen.append(current)
                current = next
            }
            guard current == start else { continue }
            reported.formUnion(seen)
            f.append(Finding(severity: .error, code: "menuLoop", resource: "ivrContext", resourceId: start, extensionId: ivr.id, field: "options.start",
                             message: "IVR \(ivr.number) goes round \(seen.compactMap { names[$0] }.joined(separator: " → ")) with no way out: the caller never gets to choose.",
                             hint: "End one of these starts without going to another context."))
        }
        return f
    }
}
