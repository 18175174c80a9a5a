/// Where a call goes — the one tagged shape used everywhere a call is routed (public numbers,
/// rules, IVR options, call flows): `{"type": "extension", "id": …}`,
/// `{"type": "voicemail", "id": <extension id>}`, `{"type": "external", "number": "+34…"}`, ….
public enum Destination: Sendable, Hashable, Codable {
    case extensionTarget(id: String)
    case group(id: String)
    case voicemail(extensionID: String)
    case external(number: String)
    case queue(id: String)
    case ivr(id: String)
    case ruleGroup(id: String)
    case callFlow(id: String)

    public var type: String {
        switch self {
        case .extensionTarget: "extension"
        case .group: "group"
        case .voicemail: "voicemail"
        case .external: "external"
        case .queue: "queue"
        case .ivr: "ivr"
        case .ruleGroup: "ruleGroup"
        case .callFlow: "callFlow"
        }
    }

    /// The referenced object's ID (nil for external numbers).
    public var targetID: String? {
        switch self {
        case .extensionTarget(let id), .group(let id), .voicemail(let id), .queue(let id), .ivr(let id), .ruleGroup(let id), .callFlow(let id): id
        case .external: nil
        }
    }

    public static let types = ["extension", "group", "voicemail", "external", "queue", "ivr", "ruleGroup", "callFlow"]

    private enum Keys: String, CodingKey { case type, id, number }

    public struct Invalid: Error, Equatable {
        /// The field within the destination (`type`, `id`, `number`).
        public let field: String
        public let message: String
    }

    public init(type: String, id: String?, number: String?) throws(Invalid) {
        if type == "external" {
            guard let number else { throw Invalid(field: "number", message: "is required for an external destination") }
            guard let normalized = PhoneNumber.e164(number) else {
                throw Invalid(field: "number", message: "must be a phone number in international form, e.g. +34 910 000 000")
            }
            self = .external(number: normalized)
            return
        }
        guard Destination.types.contains(type) else {
            throw Invalid(field: "type", message: "must be one of \(Destination.types.joined(separator: ", "))")
        }
        guard let id, !id.isEmpty else { throw Invalid(field: "id", message: "is required for the \(type) destination type") }
        switch type {
        case "extension": self = .extensionTarget(id: id)
        case "group": self = .group(id: id)
        case "voicemail": self = .voicemail(extensionID: id)
        case "queue": self = .queue(id: id)
        case "ivr": self = .ivr(id: id)
        case "ruleGroup": self = .ruleGroup(id: id)
        default: self = .callFlow(id: id)
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        do {
            try self.init(type: try c.decode(String.self, forKey: .type), id: try c.decodeIfPresent(String.self, forKey: .id),
                          number: try c.decodeIfPresent(String.self, forKey: .number))
        } catch let invalid as Invalid {
            throw DecodingError.invalid(invalid.message, at: decoder.codingPath + [Keys(rawValue: invalid.field) ?? .type])
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(type, forKey: .type)
        switch self {
        case .external(let number): try c.encode(number, forKey: .number)
        default: try c.encode(targetID, forKey: .id)
        }
    }
}

/// Phone numbers in E.164, the form the platform stores and compares.
public enum PhoneNumber {
    /// `+` and 7 to 15 digits, from what people type: spaces, dots, dashes and parentheses
    /// are dropped and a leading `00` becomes `+`. Nil when it is not a number.
    public static func e164(_ text: String) -> String? {
        var s = text.filter { !" .-()\u{00A0}".contains($0) }
        if s.hasPrefix("00") { s = "+" + s.dropFirst(2) }
        guard s.hasPrefix("+") else { return nil }
        let digits = s.dropFirst()
        guard (7...15).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }), digits.first != "0" else { return nil }
        return s
    }
}
