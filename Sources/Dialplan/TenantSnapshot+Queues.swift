public import Telephony

extension TenantSnapshot {
    /// A queue's settings and agents (the queue's number and name are its extension's).
    public struct Queue: Sendable, Equatable, Codable {
        public var extensionID: String
        public var settings: QueueSettings
        public var agents: [Agent]
        public init(extensionID: String, settings: QueueSettings = QueueSettings(), agents: [Agent] = []) {
            self.extensionID = extensionID
            self.settings = settings
            self.agents = agents
        }
    }

    public struct Agent: Sendable, Equatable, Codable {
        public var extensionID: String
        public var penalty: Int
        public var supervisor: Bool
        public var pinSalt: String?
        public var pinSHA1: String?
        /// What the portal last knew; only the simulator reads it (it is not configuration).
        public var state: AgentState
        public init(extensionID: String, penalty: Int = 0, supervisor: Bool = false, pinSalt: String? = nil, pinSHA1: String? = nil,
                    state: AgentState = .loggedOut) {
            self.extensionID = extensionID
            self.penalty = penalty
            self.supervisor = supervisor
            self.pinSalt = pinSalt
            self.pinSHA1 = pinSHA1
            self.state = state
        }
    }

    /// An IVR extension's contexts, in the order they were made.
    public struct IVR: Sendable, Equatable, Codable {
        public var extensionID: String
        public var contexts: [IVRContext]
        public init(extensionID: String, contexts: [IVRContext]) {
            self.extensionID = extensionID
            self.contexts = contexts
        }
    }

    public struct IVRContext: Sendable, Equatable, Codable {
        public var id: String
        public var name: String
        public var entry: Bool
        public var directDial: Bool
        public var timeoutSeconds: Int
        public var maxRetries: Int
        /// By key: `start`, `timeout`, `invalid`, `0`…`9`, `star`, `hash`.
        public var options: [String: [MenuAction]]
        public init(id: String, name: String, entry: Bool = false, directDial: Bool = false, timeoutSeconds: Int = 5, maxRetries: Int = 2,
                    options: [String: [MenuAction]] = [:]) {
            self.id = id
            self.name = name
            self.entry = entry
            self.directDial = directDial
            self.timeoutSeconds = timeoutSeconds
            self.maxRetries = maxRetries
            self.options = options
        }
    }

    public struct CallFlow: Sendable, Equatable, Codable {
        public var id: String
        public var name: String
        public var actions: [MenuAction]
        public init(id: String, name: String, actions: [MenuAction]) {
            self.id = id
            self.name = name
            self.actions = actions
        }
    }
}
