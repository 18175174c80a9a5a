/// Where a piece of text that people typed ends up in the media node's configuration, and
/// which Unicode scalars may appear there. Every check runs scalar by scalar, never by
/// `Character`: a banned ASCII character joined to a combining mark is one `Character` that
/// differs from the banned one, yet its byte still reaches the file.
///
/// Identifiers are ASCII-only. Display text allows letters, marks, digits, the space and a few
/// punctuation marks Asterisk gives no meaning to: no argument separators (`,` `|` `:` `?`),
/// brackets, quotes, `$ { }`, `;`, `=`, `&`, `<`, `>`, backslashes, control, format (bidi) or
/// separator characters, so display text can never close an argument, start a variable or a
/// comment, or break a line.
public enum TextSink: String, Sendable, CaseIterable {
    /// Internal and public numbers, `exten =>` names: digits, `+`, `*`, `#`.
    case number
    /// Context, queue and endpoint names, SIP usernames, languages: ASCII letters, digits, `-`, `_`.
    case identifier
    /// PINs, mailbox numbers and passwords keyed on a phone.
    case digits
    /// People's names and titles (`NoOp`, `callerid="…"`, mailbox full names, queue member names, comments).
    case display
    /// An e-mail address in `voicemail.conf`.
    case email
    /// An address fetched with `CURL()`.
    case url
    /// A tz-database zone (`America/Argentina/Buenos_Aires`, `Etc/GMT+1`).
    case timeZone

    static let displayPunctuation = Set(" .-_'@/+#!".unicodeScalars)
    static let emailPunctuation = Set("._%+-@".unicodeScalars)
    static let urlPunctuation = Set("-._~:/?#@!*+=&%".unicodeScalars)

    /// Whether `scalar` may appear in this sink.
    public func allows(_ scalar: Unicode.Scalar) -> Bool {
        let asciiAlphanumeric = ("0"..."9").contains(scalar) || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
        switch self {
        case .number: return ("0"..."9").contains(scalar) || scalar == "+" || scalar == "*" || scalar == "#"
        case .identifier: return asciiAlphanumeric || scalar == "-" || scalar == "_"
        case .digits: return ("0"..."9").contains(scalar)
        case .email: return asciiAlphanumeric || Self.emailPunctuation.contains(scalar)
        case .url: return asciiAlphanumeric || Self.urlPunctuation.contains(scalar)
        case .timeZone: return asciiAlphanumeric || scalar == "_" || scalar == "/" || scalar == "+" || scalar == "-"
        case .display:
            if scalar.isASCII { return asciiAlphanumeric || Self.displayPunctuation.contains(scalar) }
            switch scalar.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
                 .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .letterNumber, .otherNumber:
                return true
            case .dashPunctuation:
                return (0x2010...0x2015).contains(scalar.value)
            default:
                return false
            }
        }
    }

    /// `text` with every scalar this sink does not allow left out (and, in display text, marks
    /// that followed a left-out scalar or nothing: `,` + U+0301 loses both), without leading or
    /// trailing spaces.
    public func clean(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var previousIsBase = false
        for scalar in text.unicodeScalars {
            guard allows(scalar) else { previousIsBase = false; continue }
            if self == .display {
                let isMark = Self.isMark(scalar)
                if isMark && !previousIsBase { continue }
                previousIsBase = isMark || scalar.properties.isAlphabetic || scalar.properties.numericType != nil
            }
            out.append(scalar)
        }
        var s = Substring(String(out))
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }

    /// Whether every scalar of `text` is allowed here (nothing would be left out).
    public func admits(_ text: String) -> Bool { text.unicodeScalars.allSatisfy(allows) }

    static func isMark(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: true
        default: false
        }
    }

    /// Why the portal refuses a name outright, or nil. Punctuation a sink leaves out (a comma,
    /// quotes) is accepted and dropped when compiling; control characters (NUL, ESC, line
    /// breaks), format characters (bidi overrides, zero-width joiners), line and paragraph
    /// separators, private-use and unassigned code points cannot be made safe and mean nothing
    /// to a person reading the name, so the API refuses them.
    public static func displayProblem(_ text: String) -> String? {
        for scalar in text.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .unassigned, .surrogate:
                return "must not contain control, format (bidi), line-separator or unassigned characters"
            default: continue
            }
        }
        return nil
    }
}
