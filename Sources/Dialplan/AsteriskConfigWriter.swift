import Telephony

/// The one place that knows Asterisk configuration syntax: sections, `key=value` options,
/// `exten => …` / `same => …` lines and what may appear inside them. Emitters describe
/// content as `AsteriskText` (user values already checked against their sink); this writes
/// it, always the same way, so output is byte-for-byte deterministic.
struct AsteriskConfigWriter {
    /// UTF-8 bytes: appending to a byte array is the cheapest way to build megabytes of text.
    private(set) var bytes: [UInt8] = []

    init(header: AsteriskText) {
        bytes.reserveCapacity(1 << 16)
        for line in header.text.split(separator: "\n", omittingEmptySubsequences: false) { put("; "); put(line); put("\n") }
    }

    private mutating func put(_ s: some StringProtocol) { bytes.append(contentsOf: s.utf8) }

    /// `[name]`, with an optional comment (display text: it can neither break the line nor
    /// open a `;--` block comment).
    mutating func section(_ name: AsteriskText, comment: String? = nil) {
        put("\n["); put(name.text); put("]")
        if let comment { put(" ; "); put(Self.comment(comment)) }
        put("\n")
    }

    mutating func option(_ key: StaticString, _ value: AsteriskText) {
        put(key.description); put("="); put(value.text); put("\n")
    }

    /// `key => value` objects (voicemail boxes, includes).
    mutating func object(_ key: AsteriskText, _ value: AsteriskText) {
        put(key.text); put(" => "); put(value.text); put("\n")
    }

    mutating func raw(_ line: AsteriskText) {
        put(line.text); put("\n")
    }

    /// One extension: the first line gets priority 1, the rest `same => n`.
    mutating func exten(_ name: AsteriskText, _ lines: [DialplanLine]) {
        for (i, line) in lines.enumerated() {
            if i == 0 { put("exten => "); put(name.text); put(",1") } else { put(" same => n") }
            if let label = line.label { put("("); put(label); put(")") }
            put(","); put(line.application.text); put("\n")
        }
    }

    /// Text for a comment: display text.
    static func comment(_ s: String) -> String { TextSink.display.clean(s) }
}

/// One dial-plan priority: an optional label (the compiler's own, never user text) and `App(args)`.
struct DialplanLine: Equatable {
    var label: String?
    var application: AsteriskText
    init(_ application: AsteriskText, label: String? = nil) {
        self.application = application
        self.label = label
    }
}
