/// The one place that knows Asterisk configuration syntax: sections, `key=value` options,
/// `exten => …` / `same => …` lines and what may appear inside them. Emitters describe
/// content; this writes it, always the same way, so output is byte-for-byte deterministic.
struct AsteriskConfigWriter {
    private(set) var text = ""

    init(header: String) {
        for line in header.split(separator: "\n", omittingEmptySubsequences: false) { text += "; \(line)\n" }
    }

    mutating func section(_ name: String, comment: String? = nil) {
        text += "\n[\(name)]"
        if let comment { text += " ; \(Self.comment(comment))" }
        text += "\n"
    }

    mutating func option(_ key: String, _ value: String) {
        text += "\(key)=\(value)\n"
    }

    /// `key => value` objects (voicemail boxes, includes).
    mutating func object(_ key: String, _ value: String) {
        text += "\(key) => \(value)\n"
    }

    mutating func raw(_ line: String) {
        text += line + "\n"
    }

    mutating func blank() { text += "\n" }

    /// One extension: the first line gets priority 1, the rest `same => n`.
    mutating func exten(_ name: String, _ lines: [DialplanLine]) {
        for (i, line) in lines.enumerated() {
            let label = line.label.map { "(\($0))" } ?? ""
            if i == 0 {
                text += "exten => \(name),1\(label),\(line.application)\n"
            } else {
                text += " same => n\(label),\(line.application)\n"
            }
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
