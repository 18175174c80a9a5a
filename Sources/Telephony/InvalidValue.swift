/// What a value got wrong, in words an API client can act on ("must be a phone number in
/// international form"). Our decoders attach it to the `DecodingError` they throw, so the
/// portal can pass the message on by field, while Foundation's own decoding messages (which
/// name Swift types) are not shown to clients.
public struct InvalidValue: Error, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
}

extension DecodingError {
    /// A value at `codingPath` that decoded but is not acceptable, saying why.
    public static func invalid(_ message: String, at codingPath: [any CodingKey]) -> DecodingError {
        .dataCorrupted(.init(codingPath: codingPath, debugDescription: message, underlyingError: InvalidValue(message)))
    }
}
