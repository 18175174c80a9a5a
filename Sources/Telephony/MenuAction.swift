/// One action of an IVR option or a call flow (IVR-3, IVR-5, CALL-2). Actions run in order;
/// an action that hands the call over (transfer, voicemail, hang-up, …) ends the list.
/// In JSON each is an object tagged by `type`: `{"type": "play", "soundId": "…"}`.
public indirect enum MenuAction: Sendable, Equatable, Codable {
    case play(soundId: String)
    /// To an extension, a queue, an IVR, an extension group or a call flow.
    case transfer(Destination)
    /// To another context of the same IVR.
    case goto(contextId: String)
    case dialExternal(number: String)
    /// Leave a message in the extension's mailbox.
    case voicemail(extensionId: String)
    /// Ask for a mailbox and PIN and play its messages.
    case listenVoicemail
    /// `then` inside the interval, `otherwise` outside it.
    case timeRouting(intervalId: String, then: [MenuAction], otherwise: [MenuAction])
    /// Calls `url`; a reply of `1`…`5` runs that branch, anything else (or no reply within
    /// `timeoutSeconds`) runs `otherwise`.
    case httpNotification(url: String, timeoutSeconds: Int, branches: [[MenuAction]], otherwise: [MenuAction])
    /// Calls `url` (with `{number}` replaced by the caller's number) and shows the reply as
    /// the caller's name.
    case lookupName(url: String, timeoutSeconds: Int)
    case callerNumber(prefix: String, suffix: String)
    /// Sends `template` (with `{number}`, `{name}`, `{time}` filled in) to `to`.
    case email(to: String, template: String)
    case setLanguage(String)
    case hangup

    public static let types = ["play", "transfer", "goto", "dialExternal", "voicemail", "listenVoicemail", "timeRouting",
                               "httpNotification", "lookupName", "callerNumber", "email", "setLanguage", "hangup"]
    /// Languages that prompts exist in.
    public static let languages = ["es", "en"]

    public var type: String {
        switch self {
        case .play: "play"
        case .transfer: "transfer"
        case .goto: "goto"
        case .dialExternal: "dialExternal"
        case .voicemail: "voicemail"
        case .listenVoicemail: "listenVoicemail"
        case .timeRouting: "timeRouting"
        case .httpNotification: "httpNotification"
        case .lookupName: "lookupName"
        case .callerNumber: "callerNumber"
        case .email: "email"
        case .setLanguage: "setLanguage"
        case .hangup: "hangup"
        }
    }

    /// Whether the call leaves the action list here (nothing after it runs).
    public var handsOver: Bool {
        switch self {
        case .transfer, .goto, .dialExternal, .voicemail, .listenVoicemail, .hangup: true
        default: false
        }
    }

    private enum Keys: String, CodingKey {
        case type, soundId, destination, contextId, number, extensionId, intervalId, then, `else`, url, timeoutSeconds, branches
        case `default`, prefix, suffix, to, template, language
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let type = try c.decode(String.self, forKey: .type)
        switch type {
        case "play": self = .play(soundId: try c.decode(String.self, forKey: .soundId))
        case "transfer": self = .transfer(try c.decode(Destination.self, forKey: .destination))
        case "goto": self = .goto(contextId: try c.decode(String.self, forKey: .contextId))
        case "dialExternal":
            let text = try c.decode(String.self, forKey: .number)
            guard let number = PhoneNumber.e164(text) else {
                throw DecodingError.invalid("must be a phone number in international form", at: c.codingPath + [Keys.number])
            }
            self = .dialExternal(number: number)
        case "voicemail": self = .voicemail(extensionId: try c.decode(String.self, forKey: .extensionId))
        case "listenVoicemail": self = .listenVoicemail
        case "timeRouting":
            self = .timeRouting(intervalId: try c.decode(String.self, forKey: .intervalId),
                                then: try c.decodeIfPresent([MenuAction].self, forKey: .then) ?? [],
                                otherwise: try c.decodeIfPresent([MenuAction].self, forKey: .else) ?? [])
        case "httpNotification":
            self = .httpNotification(url: try c.decode(String.self, forKey: .url),
                                     timeoutSeconds: try c.decodeIfPresent(Int.self, forKey: .timeoutSeconds) ?? 5,
                                     branches: try c.decodeIfPresent([[MenuAction]].self, forKey: .branches) ?? [],
                                     otherwise: try c.decodeIfPresent([MenuAction].self, forKey: .default) ?? [])
        case "lookupName":
            self = .lookupName(url: try c.decode(String.self, forKey: .url), timeoutSeconds: try c.decodeIfPresent(Int.self, forKey: .timeoutSeconds) ?? 3)
        case "callerNumber":
            self = .callerNumber(prefix: try c.decodeIfPresent(String.self, forKey: .prefix) ?? "",
                                 suffix: try c.decodeIfPresent(String.self, forKey: .suffix) ?? "")
        case "email": self = .email(to: try c.decode(String.self, forKey: .to), template: try c.decode(String.self, forKey: .template))
        case "setLanguage": self = .setLanguage(try c.decode(String.self, forKey: .language))
        case "hangup": self = .hangup
        default:
            throw DecodingError.invalid("must be one of \(Self.types.joined(separator: ", "))", at: c.codingPath + [Keys.type])
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(type, forKey: .type)
        switch self {
        case .play(let soundId): try c.encode(soundId, forKey: .soundId)
        case .transfer(let destination): try c.encode(destination, forKey: .destination)
        case .goto(let contextId): try c.encode(contextId, forKey: .contextId)
        case .dialExternal(let number): try c.encode(number, forKey: .number)
        case .voicemail(let extensionId): try c.encode(extensionId, forKey: .extensionId)
        case .timeRouting(let intervalId, let then, let otherwise):
            try c.encode(intervalId, forKey: .intervalId)
            try c.encode(then, forKey: .then)
            try c.encode(otherwise, forKey: .else)
        case .httpNotification(let url, let timeout, let branches, let otherwise):
            try c.encode(url, forKey: .url)
            try c.encode(timeout, forKey: .timeoutSeconds)
            try c.encode(branches, forKey: .branches)
            try c.encode(otherwise, forKey: .default)
        case .lookupName(let url, let timeout):
            try c.encode(url, forKey: .url)
            try c.encode(timeout, forKey: .timeoutSeconds)
        case .callerNumber(let prefix, let suffix):
            try c.encode(prefix, forKey: .prefix)
            try c.encode(suffix, forKey: .suffix)
        case .email(let to, let template):
            try c.encode(to, forKey: .to)
            try c.encode(template, forKey: .template)
        case .setLanguage(let language): try c.encode(language, forKey: .language)
        case .listenVoicemail, .hangup: break
        }
    }
}
