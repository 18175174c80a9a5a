public import Telephony

/// Everything the compiler needs to know about one tenant, read in one consistent snapshot.
/// The compiler never fetches anything: the portal builds this value (from one SQL statement)
/// and passes it in, so compiling is a pure function that golden files can pin down.
public struct TenantSnapshot: Sendable, Equatable, Codable {
    public var tenantID: String
    /// The short, stable dial-plan key (`t<key>`): Asterisk caps context names at 79
    /// characters, so contexts are never named after a UUID.
    public var key: Int
    public var name: String
    public var active: Bool
    public var timeZone: String
    public var language: String
    /// The configuration revision this snapshot was read at.
    public var revision: Int
    public var extensions: [Extension]
    public var intervals: [Interval]
    public var groups: [Group]
    public var publicNumbers: [PublicNumber]
    /// `*74N` states reported by the media node, by `"<extension number>/<code>"`; a missing
    /// entry means the rule is on.
    public var ruleToggles: [String: Bool]
    public var queues: [Queue] = []
    public var ivrs: [IVR] = []
    public var callFlows: [CallFlow] = []
    /// CALL-1's `cN` caller IDs, in order.
    public var outgoingCallerIDs: [String] = []

    public init(tenantID: String, key: Int, name: String, active: Bool = true, timeZone: String = "Europe/Madrid", language: String = "es",
                revision: Int = 1, extensions: [Extension] = [], intervals: [Interval] = [], groups: [Group] = [],
                publicNumbers: [PublicNumber] = [], ruleToggles: [String: Bool] = [:]) {
        self.tenantID = tenantID
        self.key = key
        self.name = name
        self.active = active
        self.timeZone = timeZone
        self.language = language
        self.revision = revision
        self.extensions = extensions
        self.intervals = intervals
        self.groups = groups
        self.publicNumbers = publicNumbers
        self.ruleToggles = ruleToggles
    }

    /// The prefix of every Asterisk name that belongs to this tenant.
    public var prefix: String { "t\(key)" }

    public struct Extension: Sendable, Equatable, Codable {
        public enum Kind: String, Sendable, Codable { case phone, queue, ivr }
        public var id: String
        public var kind: Kind
        public var number: String
        public var name: String
        public var sipUsername: String
        public var ha1: String
        public var ringSeconds: Int
        public var ownerName: String
        public var email: String?
        public var language: String
        public var voicemail: Voicemail
        public var recording: Recording
        public var rules: [Rule]
        /// The owning user (members may simulate calls to their own extensions).
        public var ownerID: String?

        public init(id: String, kind: Kind = .phone, number: String, name: String = "", sipUsername: String, ha1: String, ringSeconds: Int = 20,
                    ownerName: String = "", email: String? = nil, language: String = "es", voicemail: Voicemail = Voicemail(),
                    recording: Recording = Recording(), rules: [Rule] = [], ownerID: String? = nil) {
            self.ownerID = ownerID
            self.id = id
            self.kind = kind
            self.number = number
            self.name = name
            self.sipUsername = sipUsername
            self.ha1 = ha1
            self.ringSeconds = ringSeconds
            self.ownerName = ownerName
            self.email = email
            self.language = language
            self.voicemail = voicemail
            self.recording = recording
            self.rules = rules
        }

        /// The name shown on phones: the extension's own name, else its owner's.
        public var displayName: String { name.isEmpty ? ownerName : name }
    }

    public struct Voicemail: Sendable, Equatable, Codable {
        public enum Notify: String, Sendable, Codable { case none, alert, attach }
        public var enabled: Bool
        public var pin: String?
        public var notify: Notify
        public var answerAfterSeconds: Int
        public var exitToExtensionID: String?
        public var keepUnread: Bool
        public var deleteAfterDays: Int

        public init(enabled: Bool = false, pin: String? = nil, notify: Notify = .none, answerAfterSeconds: Int = 20,
                    exitToExtensionID: String? = nil, keepUnread: Bool = false, deleteAfterDays: Int = 0) {
            self.enabled = enabled
            self.pin = pin
            self.notify = notify
            self.answerAfterSeconds = answerAfterSeconds
            self.exitToExtensionID = exitToExtensionID
            self.keepUnread = keepUnread
            self.deleteAfterDays = deleteAfterDays
        }
    }

    public struct Recording: Sendable, Equatable, Codable {
        public enum Start: String, Sendable, Codable { case never, conferences, onDemand, always }
        public var enabled: Bool
        public var start: Start
        public var announce: Bool

        public init(enabled: Bool = false, start: Start = .never, announce: Bool = false) {
            self.enabled = enabled
            self.start = start
            self.announce = announce
        }

        var always: Bool { enabled && start == .always }
        var onDemand: Bool { enabled && start == .onDemand }
    }

    public struct Rule: Sendable, Equatable, Codable {
        public var id: String
        public var position: Int
        public var rule: IncomingRule
        public init(id: String, position: Int, rule: IncomingRule) {
            self.id = id
            self.position = position
            self.rule = rule
        }
    }

    public struct Interval: Sendable, Equatable, Codable {
        public var id: String
        public var name: String
        public var interval: CalendarInterval
        public init(id: String, name: String, interval: CalendarInterval) {
            self.id = id
            self.name = name
            self.interval = interval
        }
    }

    public struct Group: Sendable, Equatable, Codable {
        public var id: String
        public var name: String
        public var memberIDs: [String]
        public init(id: String, name: String, memberIDs: [String]) {
            self.id = id
            self.name = name
            self.memberIDs = memberIDs
        }
    }

    public struct PublicNumber: Sendable, Equatable, Codable {
        public var id: String
        public var number: String
        public var destination: Destination?
        public init(id: String, number: String, destination: Destination?) {
            self.id = id
            self.number = number
            self.destination = destination
        }
    }
}
