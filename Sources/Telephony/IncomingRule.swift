/// One incoming-call rule of an extension (RUL-1, RUL-2). Rules run in `position` order; a
/// rule applies when the caller ID condition and the interval (nil: always) hold; after it,
/// `continue` lets the next rules run too, otherwise evaluation stops.
public struct IncomingRule: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Ring destinations one after another (each `afterSeconds` after the previous
        /// started), all ringing together once started, for `totalSeconds` in all.
        case cascade
        /// Forward when the extension is busy.
        case busy
        /// Fast busy tone.
        case congestion
        /// Hang up (block).
        case hangup
        /// Transfer depending on the extension's registration and the call's state.
        case transfer
        /// The caller must key a password (hearing a sound meanwhile) before going on.
        case identify
    }

    public enum CallerMatch: String, Sendable, Codable, CaseIterable { case any, equals, notEquals, anonymous }
    public enum ExtensionState: String, Sendable, Codable, CaseIterable { case registered, unregistered, any }
    public enum CallState: String, Sendable, Codable, CaseIterable { case busy, noAnswer, any }

    public struct CallerCondition: Sendable, Equatable, Codable {
        public var match: CallerMatch
        public var number: String?
        public init(match: CallerMatch, number: String? = nil) {
            self.match = match
            self.number = number
        }
    }

    public struct Step: Sendable, Equatable, Codable {
        public var destination: Destination
        public var afterSeconds: Int
        public init(destination: Destination, afterSeconds: Int) {
            self.destination = destination
            self.afterSeconds = afterSeconds
        }
    }

    public var kind: Kind
    public var callerId = CallerCondition(match: .any)
    public var intervalId: String?
    public var keypadCode: Int?
    public var enabled = true
    public var `continue` = false
    public var totalSeconds: Int?
    public var steps: [Step]?
    public var destination: Destination?
    public var extensionState: ExtensionState?
    public var callState: CallState?
    public var password: String?
    public var soundId: String?

    public init(kind: Kind) { self.kind = kind }

    private enum CodingKeys: String, CodingKey {
        case kind, callerId, intervalId, keypadCode, enabled, `continue`, totalSeconds, steps, destination, extensionState, callState, password, soundId
    }

    /// Only `kind` is required; everything else has its default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(Kind.self, forKey: .kind)
        callerId = try c.decodeIfPresent(CallerCondition.self, forKey: .callerId) ?? CallerCondition(match: .any)
        intervalId = try c.decodeIfPresent(String.self, forKey: .intervalId)
        keypadCode = try c.decodeIfPresent(Int.self, forKey: .keypadCode)
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? true
        `continue` = try c.decodeIfPresent(Bool.self, forKey: .continue) ?? false
        totalSeconds = try c.decodeIfPresent(Int.self, forKey: .totalSeconds)
        steps = try c.decodeIfPresent([Step].self, forKey: .steps)
        destination = try c.decodeIfPresent(Destination.self, forKey: .destination)
        extensionState = try c.decodeIfPresent(ExtensionState.self, forKey: .extensionState)
        callState = try c.decodeIfPresent(CallState.self, forKey: .callState)
        password = try c.decodeIfPresent(String.self, forKey: .password)
        soundId = try c.decodeIfPresent(String.self, forKey: .soundId)
    }

    /// Every rule the rule breaks, as (field, message); references are checked elsewhere.
    public func problems() -> [(field: String, message: String)] {
        var p: [(String, String)] = []
        switch callerId.match {
        case .equals, .notEquals:
            if let n = callerId.number, !n.isEmpty, n.count <= 32, n.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "+") }) {
                break
            }
            p.append(("callerId.number", "is required for this match: digits, optionally starting with +"))
        case .any, .anonymous:
            if callerId.number != nil { p.append(("callerId.number", "is only used with equals or notEquals")) }
        }
        if let code = keypadCode, !(0...9).contains(code) { p.append(("keypadCode", "must be one digit, 0 to 9")) }
        switch kind {
        case .cascade:
            guard let total = totalSeconds, (5...600).contains(total) else {
                p.append(("totalSeconds", "must be 5 to 600 seconds"))
                break
            }
            guard let steps, !steps.isEmpty else {
                p.append(("steps", "a cascade needs at least one step"))
                break
            }
            var start = 0
            for (i, step) in steps.enumerated() {
                if step.afterSeconds < 0 { p.append(("steps[\(i)].afterSeconds", "must be 0 or more")) }
                if i == 0 && step.afterSeconds != 0 { p.append(("steps[0].afterSeconds", "the first step starts at once (0)")) }
                switch step.destination {
                case .extensionTarget, .group, .external: break
                default: p.append(("steps[\(i)].destination.type", "a cascade rings extensions, extension groups or external numbers"))
                }
                // Clamped: a hostile `afterSeconds` (Int.max) must not overflow the running sum.
                start = min(start + min(max(step.afterSeconds, 0), total), total)
                if start >= total { p.append(("steps[\(i)].afterSeconds", "does not start within the total of \(total) s")) }
            }
        case .busy:
            if destination == nil { p.append(("destination", "is required")) }
        case .transfer:
            if let destination {
                switch destination {
                case .external, .extensionTarget, .voicemail: break
                default: p.append(("destination.type", "a transfer goes to an external number, an extension or a voicemail"))
                }
            } else {
                p.append(("destination", "is required"))
            }
            if extensionState == nil { p.append(("extensionState", "is required: registered, unregistered or any")) }
            if callState == nil { p.append(("callState", "is required: busy, noAnswer or any")) }
        case .identify:
            if let password, !password.isEmpty, password.count <= 20, password.allSatisfy({ $0.isASCII && $0.isNumber }) {} else {
                p.append(("password", "must be 1 to 20 digits"))
            }
            if destination == nil { p.append(("destination", "is required")) }
        case .congestion, .hangup:
            break
        }
        return p
    }

    /// Every destination the rule refers to, with the field that names it.
    public var destinations: [(field: String, destination: Destination)] {
        var all: [(String, Destination)] = []
        if let destination { all.append(("destination", destination)) }
        for (i, step) in (steps ?? []).enumerated() { all.append(("steps[\(i)].destination", step.destination)) }
        return all
    }
}
