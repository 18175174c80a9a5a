/// The one place that knows Asterisk configuration syntax: sections, `key=value` options,
/// `exten => …` / `same => …` lines and what may appear inside them. Emitters describe
/// content; this writes it, always the same way, so output is byte-for-byte deterministic.
struct AsteriskConfigWriter {
    /// UTF-8 bytes: appending to a byte array is the cheapest way to build megabytes of text.
    private(set) var bytes: [UInt8] = []

    init(header: String) {
        bytes.reserveCapacity(1 << 16)
        for line in header.split(separator: "\n", omittingEmptySubsequences: false) { put("; "); put(line); put("\n") }
    }

    private mutating func put(_ s: some StringProtocol) { bytes.append(contentsOf: s.utf8) }

    mutating func section(_ name: String, comment: String? = nil) {
        put("\n["); put(name); put("]")
        if let comment { put(" ; "); put(Self.comment(comment)) }
        put("\n")
    }

    mutating func option(_ key: String, _ value: String) {
        put(key); put("="); put(value); put("\n")
    }

    /// `key => value` objects (voicemail boxes, includes).
    mutating func object(_ key: String, _ value: String) {
        put(key); put(" => "); put(value); put("\n")
    }

    mutating func raw(_ line: String) {
        put(line); put("\n")
    }

    /// One extension: the first line gets priority 1, the rest `same => n`.
    mutating func exten(_ name: String, _ lines: [DialplanLine]) {
        for (i, line) in lines.enumerated() {
            if i == 0 { put("exten => "); put(name); put(",1") } else { put(" same => n") }
            if let label = line.label { put("("); put(label); put(")") }
            put(","); put(line.application); put("\n")
        }
    }

    /// Text for a comment: one line, no control characters.
    static func comment(_ s: String) -> String {
        String(s.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
    }

    /// Text safe inside an application argument or a config value: no separators, brackets,
    /// quotes, variable syntax or line breaks (names people typed end up in caller IDs and
    /// mailbox names).
    static func plain(_ s: String) -> String {
        let banned: Set<Character> = [",", "|", "(", ")", "[", "]", "\"", "$", "{", "}", ";", "\\", "=", "<", ">", "\n", "\r", "\t", "&", "'", "`"]
        return String(s.filter { !banned.contains($0) && !$0.isNewline }).trimmingSpaces()
    }
}

/// One dial-plan priority: an optional label and `App(args)`.
struct DialplanLine: Equatable {
    var label: String?
    var application: String
    init(_ application: String, label: String? = nil) {
        self.application = application
        self.label = label
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
