public import Foundation

/// A call to try out: who calls which number when, how the phones behave and what keys the
/// caller presses.
public struct Scenario: Sendable, Equatable, Codable {
    public enum Device: String, Sendable, Codable, CaseIterable {
        /// Registered and idle; rings but nobody answers.
        case registered
        case unregistered
        /// Registered and already on a call.
        case busy
        /// Same as `registered`, said explicitly.
        case noAnswer
        /// Registered, idle, and picks up.
        case answers
    }

    /// A public number (`+34…`) or an internal number (`1001`).
    public var to: String
    /// The caller's number, or `anonymous`.
    public var from: String
    public var at: Date
    /// By internal number (or external number for cascade steps); unlisted phones are `registered`.
    public var devices: [String: Device]
    /// Keys the caller presses, `#` ending each answer (`1234#`).
    public var keys: String
    /// `*74N` states to assume, by `"<extension>/<code>"`; unlisted use the reported states.
    public var toggles: [String: Bool]?

    public init(to: String, from: String = "anonymous", at: Date, devices: [String: Device] = [:], keys: String = "", toggles: [String: Bool]? = nil) {
        self.to = to
        self.from = from
        self.at = at
        self.devices = devices
        self.keys = keys
        self.toggles = toggles
    }

    enum CodingKeys: String, CodingKey { case to, from, at, devices, keys, toggles }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        to = try c.decode(String.self, forKey: .to)
        from = try c.decodeIfPresent(String.self, forKey: .from) ?? "anonymous"
        at = try c.decode(Date.self, forKey: .at)
        devices = try c.decodeIfPresent([String: Device].self, forKey: .devices) ?? [:]
        keys = try c.decodeIfPresent(String.self, forKey: .keys) ?? ""
        toggles = try c.decodeIfPresent([String: Bool].self, forKey: .toggles)
    }
}

/// What happened, step by step, and how the call ended.
public struct CallTrace: Sendable, Equatable, Codable {
    public struct Event: Sendable, Equatable, Codable {
        /// Machine form: `rule`, `ring`, `voicemail`, `transfer`, …
        public var kind: String
        /// Details for programs (`{"rule": "2", "result": "noAnswer"}`).
        public var detail: [String: String]
        /// The same for people, in the requested language.
        public var sentence: String
    }

    public struct Outcome: Sendable, Equatable, Codable {
        /// `answered | voicemail | external | busy | congestion | hangup | rejected | notRouted | loop`
        public var kind: String
        public var extensionNumber: String?
        public var number: String?
        public var sentence: String
    }

    public var events: [Event]
    public var outcome: Outcome
}
