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
    public var type: String
    public var id: String
    public var tenant: String
    public var extensionNumber: String?
    public var code: Int?
    public var active: Bool?
    public var at: Date

    public init(type: String, id: String, tenant: String, extensionNumber: String? = nil, code: Int? = nil, active: Bool? = nil, at: Date) {
        self.type = type
        self.id = id
        self.tenant = tenant
        self.extensionNumber = extensionNumber
        self.code = code
        self.active = active
        self.at = at
    }
}
