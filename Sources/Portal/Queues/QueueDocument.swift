import Foundation
import Telephony

/// A queue as the API reads and writes it: the extension's name and number beside the queue's
/// settings, in one flat object (`{"name": …, "number": "2000", "strategy": "ringAll", …}`).
struct QueueDocument: Codable, Sendable, Equatable {
    var name: String
    var number: String
    var settings: QueueSettings

    static let fields: Set<String> = ["name", "number", "maxWaiting", "strategy", "retrySeconds", "serviceLevelSeconds", "recordAll",
                                      "holdMusicId", "announcement", "maxWaitSeconds", "timeoutDestination", "overflowDestination", "stickyAgent"]

    private enum Keys: String, CodingKey { case name, number }

    init(name: String, number: String, settings: QueueSettings) {
        self.name = name
        self.number = number
        self.settings = settings
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        name = try c.decode(String.self, forKey: .name)
        number = try c.decode(String.self, forKey: .number)
        settings = try QueueSettings(from: decoder)
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(name, forKey: .name)
        try c.encode(number, forKey: .number)
        try settings.encode(to: encoder)
    }

    /// Every field the document gets wrong, names and numbers included.
    func problems() -> [(field: String, message: String)] {
        var p = settings.problems()
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed.count > 100 { p.insert(("name", "must have 1 to 100 characters"), at: 0) }
        if number.count != 4 || !number.allSatisfy({ $0.isASCII && $0.isNumber }) { p.insert(("number", "must be 4 digits"), at: 0) }
        return p
    }
}

/// A queue with what the list shows about it.
struct QueueView: Encodable, Sendable {
    var id: String
    var document: QueueDocument
    var agents: Int
    var agentsLoggedIn: Int
    var version: Int
    var createdAt: Date
    var updatedAt: Date

    private enum Keys: String, CodingKey { case id, agents, agentsLoggedIn, version, createdAt, updatedAt }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(id, forKey: .id)
        try document.encode(to: encoder)
        try c.encode(agents, forKey: .agents)
        try c.encode(agentsLoggedIn, forKey: .agentsLoggedIn)
        try c.encode(version, forKey: .version)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
    }
}
