import Telephony

/// Text for an Asterisk file, built the way `PostgresQuery` builds SQL. The literal parts are
/// the compiler's own source code; a value interpolated into it must say which sink it goes to
/// (`\(display: name)`, `\(id: context)`, `\(number: exten)`, `\(digits: pin)`, `\(email:)`,
/// `\(url:)`) and is cleaned against that sink's allow-list of Unicode scalars; integers are
/// safe as they are; anything else needs the deliberately loud `\(unsafeRaw: text)`. There is
/// no interpolation of a plain `String`, so forgetting to name the sink does not compile.
///
/// Runtime values (the dialled number, caller IDs, HTTP replies) are never values here: they
/// are Asterisk variable references written in the compiler's literals, and the emitters only
/// write them where Asterisk does not parse the substituted text again (see `README.md`,
/// "Security model of the media node").
struct AsteriskText: Equatable, Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    private(set) var text: String

    init(stringLiteral value: String) { text = value }
    init(stringInterpolation: StringInterpolation) { text = stringInterpolation.text }
    private init(text: String) { self.text = text }

    /// Text that is not user input and needs no cleaning; say why at the call site.
    static func unsafeRaw(_ text: String) -> AsteriskText { AsteriskText(text: text) }

    var description: String { text }
    var isEmpty: Bool { text.isEmpty }

    static func + (a: AsteriskText, b: AsteriskText) -> AsteriskText { AsteriskText(text: a.text + b.text) }

    struct StringInterpolation: StringInterpolationProtocol {
        var text = ""
        init(literalCapacity: Int, interpolationCount: Int) { text.reserveCapacity(literalCapacity + 16 * interpolationCount) }
        mutating func appendLiteral(_ literal: String) { text += literal }
        mutating func appendInterpolation(_ value: AsteriskText) { text += value.text }
        mutating func appendInterpolation(_ value: Int) { text += String(value) }
        mutating func appendInterpolation(display value: String) { text += TextSink.display.clean(value) }
        mutating func appendInterpolation(id value: String) { text += TextSink.identifier.clean(value) }
        mutating func appendInterpolation(number value: String) { text += TextSink.number.clean(value) }
        mutating func appendInterpolation(digits value: String) { text += TextSink.digits.clean(value) }
        mutating func appendInterpolation(email value: String) { text += TextSink.email.clean(value) }
        mutating func appendInterpolation(url value: String) { text += TextSink.url.clean(value) }
        mutating func appendInterpolation(timeZone value: String) { text += TextSink.timeZone.clean(value) }
        mutating func appendInterpolation(unsafeRaw value: String) { text += value }
    }
}

extension AsteriskText.StringInterpolation {
    /// A SIP realm or host name (platform configuration): ASCII letters, digits, `-` and `.`.
    mutating func appendInterpolation(realm value: String) {
        appendInterpolation(unsafeRaw: String(String.UnicodeScalarView(value.unicodeScalars.filter { TextSink.identifier.allows($0) || $0 == "." })))
    }
}
