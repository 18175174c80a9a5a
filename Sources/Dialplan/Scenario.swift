public import Foundation
public import Telephony

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
    /// Keys pressed at each menu or password prompt, one entry per prompt (`""`: nothing
    /// pressed, `"*"`, `"#"`, `"1001"`); when given, it replaces `keys`.
    public var presses: [String]?
    /// Queue-agent states to assume, by the agent's internal number; unlisted use the states
    /// the portal knows.
    public var agents: [String: AgentState]?
    /// What HTTP notifications reply, by their configured address; unlisted give no reply.
    public var webhooks: [String: String]?
    /// Names that caller-name lookups return, by their configured address.
    public var lookups: [String: String]?
    /// Callers already waiting, by queue number.
    public var waiting: [String: Int]?
    /// The agent (internal number) the caller last spoke with, by queue number (QUE-6).
    public var lastAgent: [String: String]?

    public init(to: String, from: String = "anonymous", at: Date, devices: [String: Device] = [:], keys: String = "", toggles: [String: Bool]? = nil,
                presses: [String]? = nil, agents: [String: AgentState]? = nil, webhooks: [String: String]? = nil, lookups: [String: String]? = nil,
                waiting: [String: Int]? = nil, lastAgent: [String: String]? = nil) {
        self.to = to
        self.from = from
        self.at = at
        self.devices = devices
        self.keys = keys
        self.toggles = toggles
        self.presses = presses
        self.agents = agents
        self.webhooks = webhooks
        self.lookups = lookups
        self.waiting = waiting
        self.lastAgent = lastAgent
    }

    enum CodingKeys: String, CodingKey { case to, from, at, devices, keys, toggles, presses, agents, webhooks, lookups, waiting, lastAgent }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        to = try c.decode(String.self, forKey: .to)
        from = try c.decodeIfPresent(String.self, forKey: .from) ?? "anonymous"
        at = try c.decode(Date.self, forKey: .at)
        devices = try c.decodeIfPresent([String: Device].self, forKey: .devices) ?? [:]
        keys = try c.decodeIfPresent(String.self, forKey: .keys) ?? ""
        toggles = try c.decodeIfPresent([String: Bool].self, forKey: .toggles)
        presses = try c.decodeIfPresent([String].self, forKey: .presses)
        agents = try c.decodeIfPresent([String: AgentState].self, forKey: .agents)
        webhooks = try c.decodeIfPresent([String: String].self, forKey: .webhooks)
        lookups = try c.decodeIfPresent([String: String].self, forKey: .lookups)
        waiting = try c.decodeIfPresent([String: Int].self, forKey: .waiting)
        lastAgent = try c.decodeIfPresent([String: String].self, forKey: .lastAgent)
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
        /// `answered | voicemail | external | busy | congestion | hangup | rejected | notRouted | loop | queued | voicemailMain`
        public var kind: String
        public var extensionNumber: String?
        public var number: String?
        public var sentence: String
    }

    public var events: [Event]
    public var outcome: Outcome
}
