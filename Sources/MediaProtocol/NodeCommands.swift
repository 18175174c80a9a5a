/// Live changes the portal asks a media node to make at once, without a redeploy
/// (`POST /v1/commands`, signed like bundles): queue agents logging in, pausing and out (QUE-3).
public struct NodeCommandBatch: Sendable, Equatable, Codable {
    public static let path = "/v1/commands"

    /// `t<key>`: every queue named must belong to it.
    public var tenant: String
    public var commands: [NodeCommand]

    public init(tenant: String, commands: [NodeCommand]) {
        self.tenant = tenant
        self.commands = commands
    }

    /// Why the batch must not run (nil when it may): each command stays within the tenant and
    /// every value is safe to put on an AMI line.
    public var problem: String? {
        guard BundlePayload.isSafeTenant(tenant) else { return "tenant \(tenant) is not a tenant key" }
        guard !commands.isEmpty, commands.count <= 100 else { return "a batch holds 1 to 100 commands" }
        for (i, c) in commands.enumerated() {
            if let p = c.problem(tenant: tenant) { return "commands[\(i)]: \(p)" }
        }
        return nil
    }
}

public struct NodeCommand: Sendable, Equatable, Codable {
    public enum Action: String, Sendable, Codable {
        /// The agent takes the queue's calls (`QueueAdd`); `paused` adds it paused.
        case queueAdd
        /// The agent leaves the queue (`QueueRemove`).
        case queueRemove
        /// `QueuePause` with `paused` true (pause) or false (resume).
        case queuePause
    }

    public var action: Action
    /// `t<key>-q<number>`.
    public var queue: String
    /// `PJSIP/<sip username>`.
    public var interface: String
    public var memberName: String?
    public var penalty: Int?
    public var paused: Bool?

    public init(action: Action, queue: String, interface: String, memberName: String? = nil, penalty: Int? = nil, paused: Bool? = nil) {
        self.action = action
        self.queue = queue
        self.interface = interface
        self.memberName = memberName
        self.penalty = penalty
        self.paused = paused
    }

    func problem(tenant: String) -> String? {
        let number = queue.dropFirst(tenant.count + 2)
        guard queue.hasPrefix(tenant + "-q"), number.count == 4, number.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return "queue \(queue) is not a queue of \(tenant)"
        }
        let endpoint = interface.dropFirst("PJSIP/".count)
        guard interface.hasPrefix("PJSIP/"), (9...10).contains(endpoint.count), endpoint.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return "interface \(interface) is not a PJSIP endpoint"
        }
        if let name = memberName, name.count > 120 || name.unicodeScalars.contains(where: { $0.value < 32 || $0.value == 127 }) {
            return "memberName must be up to 120 printable characters"
        }
        if let penalty, !(0...10).contains(penalty) { return "penalty must be 0 to 10" }
        if action == .queuePause, paused == nil { return "queuePause needs paused" }
        return nil
    }

    /// The Asterisk Manager action that carries the command out.
    public var managerFields: [(String, String)] {
        switch action {
        case .queueAdd:
            var f = [("Action", "QueueAdd"), ("Queue", queue), ("Interface", interface), ("StateInterface", interface),
                     ("Penalty", String(penalty ?? 0)), ("Paused", paused == true ? "true" : "false")]
            if let memberName { f.append(("MemberName", memberName)) }
            return f
        case .queueRemove:
            return [("Action", "QueueRemove"), ("Queue", queue), ("Interface", interface)]
        case .queuePause:
            return [("Action", "QueuePause"), ("Queue", queue), ("Interface", interface), ("Paused", paused == true ? "true" : "false"),
                    ("Reason", "portal")]
        }
    }

    /// Whether a refusal only says the command was already in effect (adding a member that
    /// is there, removing one that is not): the node is then in the wanted state.
    public static func alreadyDone(_ message: String) -> Bool {
        let m = message.lowercased()
        return m.contains("already there") || m.contains("not there")
    }
}

/// The node's answer: one result per command, in order.
public struct NodeCommandResults: Sendable, Equatable, Codable {
    public struct Result: Sendable, Equatable, Codable {
        public var ok: Bool
        public var message: String
        public init(ok: Bool, message: String) {
            self.ok = ok
            self.message = message
        }
    }
    public var results: [Result]
    public init(results: [Result]) { self.results = results }
}
