public import Telephony

/// The one intermediate form of a tenant's call handling. The Asterisk emitter and the
/// simulator read only this, so what the simulator predicts is what the dial plan does.
public struct CallPlan: Sendable, Equatable {
    /// `t<key>`, the prefix of every context, mailbox context and database family.
    public var tenant: String
    public var tenantName: String
    public var active: Bool
    public var sipRealm: String
    public var phones: [Phone]
    public var mailboxes: [Mailbox]
    /// Internal numbers (the extension's incoming-call handling), sorted by number.
    public var routes: [Route]
    /// Public numbers, sorted by number.
    public var inbound: [Route]
    public var intervals: [String: NamedInterval]
    /// Queues, sorted by number (each also has its internal number in `routes`).
    public var queues: [QueuePlan] = []
    /// IVR contexts, by Asterisk context name.
    public var menus: [Menu] = []
    /// Call flows; `number` is the flow's key within the tenant (`1`, `2`, …).
    public var flows: [Route] = []
    /// CALL-1: the caller IDs chosen with a trailing `c1`, `c2`, … on an outgoing number; only
    /// the tenant's own public numbers (empty where a listed number is not, or no longer, its own).
    public var outgoingCallerIDs: [String] = []
    /// The tenant's main number (its first outgoing caller ID, else its lowest public number):
    /// the caller ID of emergency calls.
    public var mainNumber: String?
    /// Emergency and short numbers every phone may dial, whatever the tenant's state.
    public var emergencyNumbers: [String] = []
    /// The country of the main number (national dialling from phones), if the platform knows it.
    public var numbering: NumberingPlan?

    public func route(internal number: String) -> Route? { routes.first { $0.number == number } }
    public func queue(_ number: String) -> QueuePlan? { queues.first { $0.number == number } }
    public func menu(_ name: String) -> Menu? { menus.first { $0.name == name } }
    public func flow(_ key: String) -> Route? { flows.first { $0.number == key } }
    public func route(inbound number: String) -> Route? { inbound.first { $0.number == number } }

    /// The public number a carrier's called number stands for: the number itself, or its
    /// E.164 digits without `+` or with `00` (public numbers are unique on the platform, so
    /// these forms are too; national forms are not, and are left to the node's trunk).
    public func publicNumber(called number: String) -> String? {
        if route(inbound: number) != nil { return number }
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let e164 = "+" + (number.hasPrefix("00") ? String(number.dropFirst(2)) : number)
        return route(inbound: e164) != nil ? e164 : nil
    }
    public func phone(_ number: String) -> Phone? { phones.first { $0.number == number } }
}

/// A SIP phone extension: its endpoint and what it may dial.
public struct Phone: Sendable, Equatable {
    public var number: String
    public var endpoint: String
    public var ha1: String
    public var callerName: String
    public var language: String
    /// `number@t<key>` when voicemail is on.
    public var mailbox: String?
    /// `*74N` codes of its rules.
    public var toggleCodes: [Int]
    public var recording: RecordingMode
    /// The caller ID used on outgoing external calls (its first public number), if any.
    public var outgoingCallerID: String?
    /// Queues this phone is an agent of (QUE-3 feature codes).
    public var agentOf: [AgentSeat] = []
    /// Phones this one may listen to, whisper to or join (QUE-5: the agents of the queues it
    /// supervises), by internal number.
    public var supervises: [String] = []
}

/// A phone's place in a queue, for its login / pause / logout codes.
public struct AgentSeat: Sendable, Equatable {
    public var queue: String
    public var penalty: Int
    /// Salt and SHA-1 of salt + PIN, checked with `SHA1()` when the agent logs in.
    public var pin: (salt: String, sha1: String)?

    public init(queue: String, penalty: Int, pin: (salt: String, sha1: String)?) {
        self.queue = queue
        self.penalty = penalty
        self.pin = pin
    }

    public static func == (a: AgentSeat, b: AgentSeat) -> Bool {
        a.queue == b.queue && a.penalty == b.penalty && a.pin?.salt == b.pin?.salt && a.pin?.sha1 == b.pin?.sha1
    }
}

public enum RecordingMode: Sendable, Equatable {
    case off
    /// `*1` during the call starts recording.
    case onDemand
    /// Every call is recorded; `announce` plays a notice first.
    case always(announce: Bool)
}

public struct Mailbox: Sendable, Equatable {
    public var number: String
    public var pin: String
    public var name: String
    /// Where notifications go (nil: none).
    public var email: String?
    public var attachAudio: Bool
    /// Pressing 0 while leaving a message goes to this internal number.
    public var exitTo: String?
}

public struct NamedInterval: Sendable, Equatable {
    public var id: String
    public var name: String
    public var interval: CalendarInterval
}

/// Where a dialled number leads: steps run in order; `ending` runs when a step says
/// `finish` or the steps run out without the call having ended.
public struct Route: Sendable, Equatable {
    public var number: String
    /// Who or what this is, for people (the extension's name, the public number's target).
    public var title: String
    public var steps: [Step]
    public var ending: [Step]
}

/// One thing the call does. A ring that is answered ends the call there (the conversation
/// happens and the caller hangs up); every other step says whether the call goes on.
public indirect enum Step: Sendable, Equatable {
    case ring(Ring)
    case when(Condition, then: [Step], otherwise: [Step])
    /// Record that a rule applied (a route with no applied rule rings its extension).
    case markApplied(rule: Int)
    /// Run another extension's call handling.
    case goToRoute(String)
    case voicemail(mailbox: String, busyGreeting: Bool)
    case dialExternal(String)
    /// Ask for a password; three wrong or missing answers hang up.
    case identify(password: String, rule: Int)
    case record(announce: Bool)
    /// Jump to the route's ending.
    case finish
    case busy
    case congestion
    case hangup
    /// The tenant is switched off: refuse the call.
    case reject
    /// Wait in a queue (by number); returns when nobody took the call.
    case queue(String)
    /// Go to an IVR context (by Asterisk context name).
    case menu(String)
    /// Run a call flow (by key).
    case flow(String)
    /// Play a sound file (nil: the sound is missing; nothing plays). Within a menu's start the
    /// caller may press keys meanwhile.
    case play(String?)
    case listenVoicemail
    /// Call `url`; a reply of 1…5 runs that branch, anything else `otherwise`.
    case webhook(url: String, timeoutSeconds: Int, branches: [[Step]], otherwise: [Step])
    /// Set the caller's name from `url` (with `{number}` filled in).
    case lookupName(url: String, timeoutSeconds: Int)
    case rewriteCaller(prefix: String, suffix: String)
    /// Ask the portal to send an email; `key` names the configured action
    /// (`MenuAction.emailKey`), `to` is for people reading the trace.
    case notifyEmail(to: String, key: String)
    case setLanguage(String)
}

/// A queue as the dial plan and the simulator see it.
public struct QueuePlan: Sendable, Equatable {
    public var number: String
    /// `t<key>-q<number>`.
    public var name: String
    public var title: String
    public var settings: QueueSettings
    public var holdMusicClass: String
    public var announcement: String?
    /// Agents in the order added: internal number, endpoint, penalty, and the state the portal
    /// last knew (the simulator's default; the node keeps the live state).
    public var agents: [QueueAgentPlan]
    /// Run when the caller waited `maxWaitSeconds`, or when no agent can take calls.
    public var onTimeout: [Step]
    /// Run when `maxWaiting` callers are already waiting.
    public var onFull: [Step]
}

public struct QueueAgentPlan: Sendable, Equatable {
    public var number: String
    public var endpoint: String
    public var penalty: Int
    public var state: AgentState
}

/// One IVR context: what runs on entry, what each key does, and the limits.
public struct Menu: Sendable, Equatable {
    /// `t<key>-ivr<number>-<n>`.
    public var name: String
    public var title: String
    public var timeoutSeconds: Int
    public var maxRetries: Int
    /// The caller may dial any internal number directly (IVR-1).
    public var directDial: Bool
    public var start: [Step]
    /// `0`…`9`, `*`, `#`.
    public var keys: [String: [Step]]
    public var timeout: [Step]
    public var invalid: [Step]
}

public struct Ring: Sendable, Equatable {
    public var targets: [RingTarget]
    public var seconds: Int
    /// The called extension may start recording with `*1`.
    public var onDemandRecording: Bool
    /// Where the ring came from, for the trace (`rule 2`, `default`).
    public var reason: String
}

public struct RingTarget: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case phone(number: String, endpoint: String)
        case external(String)
    }
    public var kind: Kind
    public var afterSeconds: Int

    public var isPhone: Bool { if case .phone = kind { true } else { false } }
}

/// What a step can test.
public indirect enum Condition: Sendable, Equatable {
    case callerIs(String)
    case callerAnonymous
    case inInterval(id: String)
    /// The `*74N` state of rule N of an extension (on unless toggled off).
    case ruleActive(extension: String, code: Int)
    case registered(extension: String)
    case busy(extension: String)
    /// The last ring ended this way.
    case lastRing([DialOutcome])
    case applied
    case not(Condition)
    case all([Condition])
}

public enum DialOutcome: String, Sendable, Equatable, Codable {
    case answered, busy, noAnswer, unavailable

    /// The `DIALSTATUS` value Asterisk sets.
    public var dialStatus: String {
        switch self {
        case .answered: "ANSWER"
        case .busy: "BUSY"
        case .noAnswer: "NOANSWER"
        case .unavailable: "CHANUNAVAIL"
        }
    }
}
