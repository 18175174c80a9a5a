/// An agent's state in a queue (QUE-3). Only the transitions people can make are allowed:
/// a logged-out agent logs in; a logged-in agent pauses or logs out; a paused agent resumes.
public enum AgentState: String, Sendable, Codable, CaseIterable {
    case loggedIn, paused, loggedOut

    /// The states this one may move to.
    public var next: [AgentState] {
        switch self {
        case .loggedOut: [.loggedIn]
        case .loggedIn: [.paused, .loggedOut]
        case .paused: [.loggedIn]
        }
    }

    public func canMove(to other: AgentState) -> Bool { next.contains(other) }
}
