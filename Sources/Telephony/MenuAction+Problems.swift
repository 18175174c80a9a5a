/// What an action list may hold, checked before anything is stored. References (sounds,
/// extensions, contexts, intervals) are checked by the portal against the tenant's data.
extension MenuAction {
    /// Nested branches deeper than this are refused: nobody can follow them on a phone.
    public static let maximumDepth = 4
    public static let maximumActions = 20

    /// Every problem of `actions`, with the path of the field (`actions[1].then[0].soundId`).
    public static func problems(_ actions: [MenuAction], path: String, depth: Int = 1, allowGoto: Bool = true) -> [(field: String, message: String)] {
        var p: [(String, String)] = []
        if actions.count > maximumActions { p.append((path, "holds at most \(maximumActions) actions")) }
        if depth > maximumDepth { p.append((path, "branches nest at most \(maximumDepth) deep")) }
        for (i, action) in actions.enumerated() {
            let here = "\(path)[\(i)]"
            if action.handsOver, i < actions.count - 1 { p.append(("\(path)[\(i + 1)]", "never runs: \(action.type) hands the call over")) }
            p += action.problems(here, depth: depth, allowGoto: allowGoto)
        }
        return p
    }

    func problems(_ here: String, depth: Int, allowGoto: Bool) -> [(field: String, message: String)] {
        var p: [(String, String)] = []
        switch self {
        case .play(let soundId):
            if soundId.isEmpty || soundId.count > 64 { p.append(("\(here).soundId", "must name a sound")) }
        case .transfer(let destination):
            switch destination {
            case .extensionTarget, .queue, .ivr, .group, .callFlow: break
            default: p.append(("\(here).destination.type", "a transfer goes to an extension, a queue, an IVR, an extension group or a call flow"))
            }
        case .goto:
            if !allowGoto { p.append(("\(here).type", "a call flow has no contexts to go to; transfer to an IVR instead")) }
        case .dialExternal, .voicemail, .listenVoicemail, .hangup:
            break
        case .timeRouting:
            break
        case .httpNotification(let url, let timeout, let replies, _):
            if let problem = Self.urlProblem(url) { p.append(("\(here).url", problem)) }
            if !(1...30).contains(timeout) { p.append(("\(here).timeoutSeconds", "must be 1 to 30 seconds")) }
            if replies.count > 5 { p.append(("\(here).branches", "holds at most 5 branches, for replies 1 to 5")) }
        case .lookupName(let url, let timeout):
            if let problem = Self.urlProblem(url) { p.append(("\(here).url", problem)) }
            if !url.contains("{number}") { p.append(("\(here).url", "must contain {number}, where the caller's number goes")) }
            if !(1...10).contains(timeout) { p.append(("\(here).timeoutSeconds", "must be 1 to 10 seconds")) }
        case .callerNumber(let prefix, let suffix):
            for (field, value) in [("prefix", prefix), ("suffix", suffix)] where !Self.isDialable(value) {
                p.append(("\(here).\(field)", "must be up to 10 digits, * or #"))
            }
            if prefix.isEmpty, suffix.isEmpty { p.append(("\(here).prefix", "set a prefix, a suffix or both")) }
        case .email(let to, let template):
            if !Self.isEmail(to) { p.append(("\(here).to", "must be an email address")) }
            if template.isEmpty || template.count > 2000 { p.append(("\(here).template", "must have 1 to 2000 characters")) }
        case .setLanguage(let language):
            if !Self.languages.contains(language) { p.append(("\(here).language", "must be one of \(Self.languages.joined(separator: ", "))")) }
        }
        for branch in branches {
            p += Self.problems(branch.actions, path: "\(here).\(branch.field)", depth: depth + 1, allowGoto: allowGoto)
        }
        return p
    }

    /// Every destination, interval, sound, context and mailbox an action list refers to,
    /// with the field that names it, nested branches included.
    public static func references(_ actions: [MenuAction], path: String) -> [(field: String, reference: Reference)] {
        var all: [(String, Reference)] = []
        for (i, action) in actions.enumerated() {
            let here = "\(path)[\(i)]"
            switch action {
            case .play(let soundId): all.append(("\(here).soundId", .sound(soundId)))
            case .transfer(let destination): all.append(("\(here).destination", .destination(destination)))
            case .goto(let contextId): all.append(("\(here).contextId", .context(contextId)))
            case .voicemail(let id): all.append(("\(here).extensionId", .destination(.voicemail(extensionID: id))))
            case .timeRouting(let intervalId, _, _): all.append(("\(here).intervalId", .interval(intervalId)))
            default: break
            }
            for branch in action.branches { all += references(branch.actions, path: "\(here).\(branch.field)") }
        }
        return all
    }

    /// The action lists inside this action, with the field that holds each: `then` and
    /// `else` of time routing, `branches[n]` and `default` of an HTTP notification.
    public var branches: [(field: String, actions: [MenuAction])] {
        switch self {
        case .timeRouting(_, let then, let otherwise): [("then", then), ("else", otherwise)]
        case .httpNotification(_, _, let replies, let otherwise):
            replies.enumerated().map { ("branches[\($0.offset)]", $0.element) } + [("default", otherwise)]
        default: []
        }
    }

    public enum Reference: Sendable, Equatable {
        case destination(Destination)
        case interval(String)
        case sound(String)
        case context(String)
    }

    /// http(s) addresses of URL characters only: they are written into the dial plan, where
    /// `$`, `,`, `;`, brackets and quotes would mean something else.
    /// An http(s) address made of the URL characters the dial plan keeps (`TextSink.url`), with
    /// braces only in the `{number}` placeholder: what is refused here can never be silently
    /// changed (or turned into Asterisk syntax) when compiling.
    static func isWebURL(_ text: String) -> Bool {
        (text.hasPrefix("http://") || text.hasPrefix("https://")) && (9...500).contains(text.count)
            && text.replacingOccurrences(of: "{number}", with: "").unicodeScalars.allSatisfy(TextSink.url.allows)
    }

    /// The dial plan's character rule, then the public-host rule (`OutboundURL`).
    static func urlProblem(_ text: String) -> String? {
        isWebURL(text) ? OutboundURL.problem(text) : "must be an http:// or https:// address"
    }

    static func isDialable(_ text: String) -> Bool {
        text.count <= 10 && text.allSatisfy { $0.isASCII && ($0.isNumber || $0 == "*" || $0 == "#") }
    }

    static func isEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && text.count <= 254 && !text.contains(where: \.isWhitespace)
    }
}
