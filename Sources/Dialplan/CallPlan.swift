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

    public func route(internal number: String) -> Route? { routes.first { $0.number == number } }
    public func route(inbound number: String) -> Route? { inbound.first { $0.number == number } }
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
