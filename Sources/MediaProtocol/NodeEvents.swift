public import Foundation

/// What a media node reports to the portal (`POST /internal/v1/events`, signed like bundles,
/// with the node's ID in `X-Centralita-Node`). Handling is idempotent, so a batch may be sent
/// again after a failure.
public struct NodeEventBatch: Sendable, Equatable, Codable {
    public static let nodeHeader = "X-Centralita-Node"
    public static let path = "/internal/v1/events"

    public var events: [NodeEvent]
    public init(events: [NodeEvent]) { self.events = events }
}

public struct NodeEvent: Sendable, Equatable, Codable {
    /// `ruleToggled`: an extension switched one of its rules with `*74N`.
    /// `agentState`: a queue member was added, paused, resumed or removed (from the phone or
    /// by a portal command); `agentCall`: a queue member answered a call; `emailRequested`: an
    /// IVR or call-flow email action ran.
    public var type: String
    public var id: String
    public var tenant: String
    public var extensionNumber: String?
    public var code: Int?
    public var active: Bool?
    /// The queue's internal number (agent events).
    public var queue: String?
    /// The member's PJSIP endpoint, its SIP username (agent events).
    public var endpoint: String?
    /// `loggedIn | paused | loggedOut` (agentState).
    public var state: String?
    /// The email action to send (`emailRequested`: `MenuAction.emailKey`).
    public var reference: String?
    /// The caller's number and name (`emailRequested`).
    public var caller: String?
    public var callerName: String?
    public var at: Date

    public init(type: String, id: String, tenant: String, extensionNumber: String? = nil, code: Int? = nil, active: Bool? = nil,
                queue: String? = nil, endpoint: String? = nil, state: String? = nil, reference: String? = nil, caller: String? = nil,
                callerName: String? = nil, at: Date) {
        self.type = type
        self.id = id
        self.tenant = tenant
        self.extensionNumber = extensionNumber
        self.code = code
        self.active = active
        self.queue = queue
        self.endpoint = endpoint
        self.state = state
        self.reference = reference
        self.caller = caller
        self.callerName = callerName
        self.at = at
    }

    /// The tenant key and queue number of an Asterisk queue name (`t3-q2000` → `t3`, `2000`).
    public static func splitQueue(_ name: String) -> (tenant: String, number: String)? {
        let parts = name.split(separator: "-", maxSplits: 1)
        guard parts.count == 2, parts[0].hasPrefix("t"), parts[1].hasPrefix("q") else { return nil }
        let number = String(parts[1].dropFirst())
        guard number.count == 4, number.allSatisfy({ $0.isASCII && $0.isNumber }), BundlePayload.isSafeTenant(String(parts[0])) else { return nil }
        return (String(parts[0]), number)
    }
}
