import Foundation
import Telephony
import Testing
@testable import Dialplan
import PropertyBased

/// Property: whatever Unicode a tenant admin, a member or a carrier puts into any string field
/// of a snapshot, the compiled files keep the structure they have with harmless text — no
/// extra application, section, option, argument or branch — and every byte stays within its
/// sink's allow-list. Inputs come from `PropertyBased` (swift-property-based): a failure names
/// its seed (`.fixedSeed(…)` replays it) and shrinks the hostile text to the smallest that fails.
@Suite struct HostileInputTests {
    /// One piece of hostile text per string field of the snapshot.
    static let insertions = Gen<String?>.element(of: Hostile.pieces).map { $0 ?? "" }.array(of: 0...4).map { $0.joined() }.array(of: Hostile.fieldCount)

    @Test func hostileTextNeverChangesTheStructureOfTheFiles() async {
        let benign = Fixtures.contactCenter
        let options = CompileOptions(sipRealm: "pbx.example.com")
        let expected = DialplanCompiler.compile(benign, options: options)
        await propertyCheck(count: 150, input: Self.insertions) { insertions in
            var source = Hostile.Insertions(texts: insertions)
            let actual = DialplanCompiler.compile(Hostile.mutate(benign, &source), options: options)
            #expect(actual.sortedPaths == expected.sortedPaths)
            for path in expected.sortedPaths {
                let text = String(decoding: actual.files[path] ?? [], as: UTF8.self)
                #expect(Array(text.utf8) == actual.files[path] ?? [], "\(path) is not valid UTF-8")
                let changed = Self.difference(Self.shapes(text), Self.shapes(String(decoding: expected.files[path] ?? [], as: UTF8.self)))
                #expect(changed.isEmpty, "\(path) changed structure: \(changed)")
                for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                    if let problem = Self.problem(in: String(line)) { Issue.record("\(path): \(problem) in \(line.debugDescription)") }
                }
            }
        }
    }

    @Test func publicNumbersFilterAndNormaliseTheCallersNumberBeforeRulesReadIt() {
        let plan = DialplanCompiler.plan(Fixtures.rich)
        let at = Fixtures.madrid("2026-11-02 10:00")
        // Ana's rule 1 hangs up on +34600000666; her public number is +34910000001 (Spain).
        for (from, applies) in [("+34600000666", true), ("0034600000666", true), ("600000666", true), ("+34,600)000:666", true),
                                ("+34\u{0}600000666", true), ("+34600000667", false), ("anonymous", false)] {
            let trace = Simulator(plan: plan).run(Scenario(to: "+34910000001", from: from, at: at))
            #expect(trace.events.contains { $0.detail["rule"] == "1" && $0.detail["applies"] == "true" } == applies, "\(from)")
        }
        let text = String(decoding: DialplanCompiler.compile(Fixtures.rich).files["extensions.conf"] ?? [], as: UTF8.self)
        #expect(text.contains("exten => +34910000001,1,NoOp(1001 Ana Pérez)\n same => n,Set(__CENTRALITA_TENANT=t7)\n same => n,Set(CALLERID(num)=${FILTER(0-9+,${CALLERID(num)})})\n"))
    }

    @Test func aPublicNumberAnswersWithoutPlusOrWith00() {
        let plan = DialplanCompiler.plan(Fixtures.rich)
        let at = Fixtures.madrid("2026-11-02 10:00")
        let expected = Simulator(plan: plan).run(Scenario(to: "+34910000001", from: "+34600000001", at: at))
        for to in ["34910000001", "0034910000001"] {
            #expect(Simulator(plan: plan).run(Scenario(to: to, from: "+34600000001", at: at)) == expected)
        }
        #expect(Simulator(plan: plan).run(Scenario(to: "910000001", from: "+34600000001", at: at)).outcome.kind == "notRouted",
                "national forms are not unique across countries: the trunk turns them into E.164")
        let text = String(decoding: DialplanCompiler.compile(Fixtures.rich).files["extensions.conf"] ?? [], as: UTF8.self)
        #expect(text.contains("exten => 34910000001,1,Goto(+34910000001,1)\nexten => 0034910000001,1,Goto(+34910000001,1)\n"))
    }

    @Test func numberingPlansTurnNationalNumbersIntoE164() {
        #expect(NumberingPlan.normalise("612345678", plan: NumberingPlan.of("+34910000001")) == "+34612345678")
        #expect(NumberingPlan.normalise("0612345678", plan: NumberingPlan.of("+33100000000")) == "+33612345678")
        #expect(NumberingPlan.normalise("00441234567890", plan: NumberingPlan.of("+33100000000")) == "+441234567890")
        #expect(NumberingPlan.normalise("112", plan: NumberingPlan.of("+34910000001")) == "112")
        #expect(NumberingPlan.normalise("", plan: NumberingPlan.of("+34910000001")) == "")
        #expect(NumberingPlan.callingCode(of: "+351211234567") == "351")
        #expect(NumberingPlan.callingCode(of: "+12125550100") == "1")
    }

    /// Each line reduced to what gives it structure: section, option key, or application with
    /// its separators. User text may only contribute letters, digits, marks, spaces and the
    /// punctuation its sink allows, none of which is structural; addresses (`CURL`) are
    /// checked by `problem(in:)` instead. Lines are compared as a multiset: hostile numbers
    /// sort differently.
    static func shapes(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            var l = String(line)
            if l.hasPrefix(";") { return ";" }
            l = l.replacingOccurrences(of: "${URIENCODE(${CALLERID(num)})}", with: "N")
            l = l.replacingOccurrences(of: #"\$\{CURL\([^)}]*\)\}"#, with: "${CURL(U)}", options: .regularExpression)
            if let comment = l.range(of: "] ; ") { l = String(l[..<comment.lowerBound]) + "] ;" }
            let kept = l.unicodeScalars.filter { s in
                guard s.isASCII else { return false }
                return !(("0"..."9").contains(s) || ("a"..."z").contains(s) || ("A"..."Z").contains(s) || " '@/+#!-._%*~".unicodeScalars.contains(s))
            }
            return String(String.UnicodeScalarView(kept))
        }.sorted()
    }

    /// Shapes found more often in one list than in the other (`+` hostile, `-` harmless).
    static func difference(_ hostile: [String], _ harmless: [String]) -> [String] {
        var counts: [String: Int] = [:]
        for s in hostile { counts[s, default: 0] += 1 }
        for s in harmless { counts[s, default: 0] -= 1 }
        return counts.filter { $0.value != 0 }.map { "\($0.value > 0 ? "+" : "-")\($0.key)" }.sorted()
    }

    /// Where a line breaks a sink's allow-list: control, format, separator or private-use
    /// scalars anywhere; non-ASCII text outside the places display text goes; an address
    /// holding more than URL characters.
    static func problem(in line: String) -> String? {
        for s in line.unicodeScalars {
            switch s.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .unassigned, .surrogate, .spaceSeparator where s != " ":
                return "U+\(String(s.value, radix: 16)) is not allowed"
            default: break
            }
            if !s.isASCII && !TextSink.display.allows(s) { return "U+\(String(s.value, radix: 16)) is not display text" }
        }
        let nonASCII = line.unicodeScalars.contains { !$0.isASCII }
        if nonASCII {
            let displayPlaces = [",NoOp(", "AddQueueMember(", "callerid=\"", "; "]
            let isMailbox = line.range(of: #"^[0-9]+ => "#, options: .regularExpression) != nil
            if !isMailbox && !displayPlaces.contains(where: line.contains) { return "non-ASCII text outside display text" }
        }
        if let curl = line.range(of: #"\$\{CURL\([^)}]*"#, options: .regularExpression) {
            let address = line[curl].dropFirst("${CURL(".count).replacingOccurrences(of: "${URIENCODE(${CALLERID(num",with: "")
            if !TextSink.url.admits(address) { return "an address holds more than URL characters" }
        }
        for banned in ["System(", "TrySystem(", "SHELL(", "Exec(", "EVAL(", "Gosub(", "Macro("] where line.contains(banned) {
            return "\(banned) appears"
        }
        return nil
    }
}

/// Hostile text: every string field of a snapshot gets scalars that mean something to
/// Asterisk, to its config parser or to a terminal, inserted into it (so a banned character
/// also lands before a combining mark).
enum Hostile {
    static let scalars: [Unicode.Scalar] = [
        ",", ")", "(", ";", "$", "{", "}", "[", "]", "|", "\"", "'", "\\", "=", "&", "<", ">", ":", "?", "`", "\n", "\r", "\t", " ",
        "\u{0}", "\u{1B}", "\u{7}", "\u{7F}", "\u{85}", "\u{A0}",
        "\u{301}", "\u{336}", "\u{20DD}",                              // combining marks
        "\u{202E}", "\u{2066}", "\u{200F}", "\u{200B}", "\u{FEFF}",    // bidi and zero-width format characters
        "\u{2028}", "\u{2029}",                                        // line and paragraph separators
        "\u{FF08}", "\u{FF09}", "\u{FF0C}", "\u{FF1B}", "\u{FF04}", "\u{FF5B}", "\u{FF5D}", "\u{FF10}", "\u{FF21}", // fullwidth look-alikes
        "\u{D7FF}", "\u{E000}", "\u{FFFD}", "\u{FFFF}", "\u{10FFFF}", "\u{1F600}", // around the surrogates, private use, noncharacters
        "Á", "ß", "ي", "٣", "-", "x", "+", "1",
    ]
    static let payloads = [",System(touch /tmp/p)", "):System(touch /tmp/p)", "${SHELL(id)}", ";--", "\n[evil]\nexten => s,1,System(id)", "\u{0}", ",Key: x",
                           ",\u{301}", ")\u{301}", "$\u{301}{SHELL(id)}", "\\;", "&Local/1001@t8-ext", "?evil,1:"]
    /// What one step of the generator picks: a scalar or a payload.
    static let pieces = scalars.map { String(Character($0)) } + payloads

    /// How many string fields `mutate` fills (more than the contact centre has is harmless).
    static let fieldCount = 80

    /// Hands out the generated texts, one per field, in a fixed order.
    struct Insertions {
        var texts: [String]
        var next = 0

        /// `original` with the next text inserted at a place that depends on both.
        mutating func text(_ original: String) -> String { insert(original) { _ in true } }

        /// For numbers and PINs the inserted text holds no ASCII digit, `+`, `*` or `#`: those
        /// would make it another number (another country, another extension), not an attack.
        mutating func number(_ original: String) -> String {
            insert(original) { !(("0"..."9").contains($0) || "+*#".unicodeScalars.contains($0)) }
        }

        mutating func insert(_ original: String, keeping: (Unicode.Scalar) -> Bool) -> String {
            guard !original.isEmpty else { return original }
            let text = next < texts.count ? texts[next] : ""
            next += 1
            var scalars = Array(original.unicodeScalars)
            let inserted = text.unicodeScalars.filter(keeping)
            scalars.insert(contentsOf: inserted, at: (next * 7 + inserted.count) % (scalars.count + 1))
            return String(String.UnicodeScalarView(scalars))
        }
    }

    static func mutate(_ s: TenantSnapshot, _ source: inout Insertions) -> TenantSnapshot {
        var t = s
        func h(_ text: String) -> String { source.text(text) }
        func n(_ text: String) -> String { source.number(text) }
        t.name = h(t.name)
        for i in t.extensions.indices {
            t.extensions[i].number = n(t.extensions[i].number)
            t.extensions[i].name = h(t.extensions[i].name)
            t.extensions[i].ownerName = h(t.extensions[i].ownerName)
            t.extensions[i].sipUsername = n(t.extensions[i].sipUsername)
            t.extensions[i].ha1 = h(t.extensions[i].ha1)
            t.extensions[i].email = t.extensions[i].email.map(h)
            t.extensions[i].language = h(t.extensions[i].language)
            t.extensions[i].voicemail.pin = t.extensions[i].voicemail.pin.map(n)
            for r in t.extensions[i].rules.indices {
                var rule = t.extensions[i].rules[r].rule
                rule.callerId.number = rule.callerId.number.map(n)
                rule.password = rule.password.map(n)
                if case .external(let x)? = rule.destination { rule.destination = .external(number: n(x)) }
                rule.steps = rule.steps?.map { step in
                    var step = step
                    if case .external(let x) = step.destination { step.destination = .external(number: n(x)) }
                    return step
                }
                t.extensions[i].rules[r].rule = rule
            }
        }
        for i in t.intervals.indices {
            t.intervals[i].name = h(t.intervals[i].name)
            t.intervals[i].interval.timeZone = h(t.intervals[i].interval.timeZone)
        }
        for i in t.groups.indices { t.groups[i].name = h(t.groups[i].name) }
        for i in t.publicNumbers.indices {
            t.publicNumbers[i].number = n(t.publicNumbers[i].number)
            if case .external(let x)? = t.publicNumbers[i].destination { t.publicNumbers[i].destination = .external(number: n(x)) }
        }
        for q in t.queues.indices {
            for a in t.queues[q].agents.indices {
                t.queues[q].agents[a].pinSalt = t.queues[q].agents[a].pinSalt.map(h)
                t.queues[q].agents[a].pinSHA1 = t.queues[q].agents[a].pinSHA1.map(h)
            }
            if case .external(let x)? = t.queues[q].settings.overflowDestination { t.queues[q].settings.overflowDestination = .external(number: n(x)) }
        }
        for i in t.ivrs.indices {
            for c in t.ivrs[i].contexts.indices {
                t.ivrs[i].contexts[c].name = h(t.ivrs[i].contexts[c].name)
                t.ivrs[i].contexts[c].options = t.ivrs[i].contexts[c].options.mapValues { $0.map { mutate($0, h) } }
            }
        }
        for i in t.callFlows.indices {
            t.callFlows[i].name = h(t.callFlows[i].name)
            t.callFlows[i].actions = t.callFlows[i].actions.map { mutate($0, h) }
        }
        // A caller ID is one of the tenant's public numbers: the same (hostile) text.
        let renumbered = Dictionary(zip(s.publicNumbers.map(\.number), t.publicNumbers.map(\.number)), uniquingKeysWith: { a, _ in a })
        t.outgoingCallerIDs = t.outgoingCallerIDs.map { renumbered[$0] ?? n($0) }
        return t
    }

    static func mutate(_ action: MenuAction, _ h: (String) -> String) -> MenuAction {
        switch action {
        case .dialExternal(let n): return .dialExternal(number: h(n))
        case .httpNotification(let url, let timeout, let branches, let otherwise):
            return .httpNotification(url: h(url), timeoutSeconds: timeout, branches: branches.map { $0.map { mutate($0, h) } },
                                     otherwise: otherwise.map { mutate($0, h) })
        case .lookupName(let url, let timeout): return .lookupName(url: h(url), timeoutSeconds: timeout)
        case .callerNumber(let prefix, let suffix): return .callerNumber(prefix: h(prefix), suffix: h(suffix))
        case .email(let to, let template): return .email(to: h(to), template: h(template))
        case .setLanguage(let language): return .setLanguage(h(language))
        case .timeRouting(let interval, let then, let otherwise):
            return .timeRouting(intervalId: interval, then: then.map { mutate($0, h) }, otherwise: otherwise.map { mutate($0, h) })
        default: return action
        }
    }
}
