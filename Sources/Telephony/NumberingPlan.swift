/// What the platform knows about a country's numbering: its calling code, the trunk prefix
/// national numbers are dialled with, and its emergency and short numbers. The media node uses
/// it to turn the caller IDs carriers send in national format into E.164 (per public number:
/// the plan of the number called) and to let every phone reach the emergency services.
public struct NumberingPlan: Sendable, Equatable {
    /// Without `+`: `34`.
    public var callingCode: String
    /// `0` in most of Europe; empty where national numbers have none (Spain, Italy).
    public var trunkPrefix: String
    /// Always dialable from every phone of a tenant in this country, even when the tenant is
    /// switched off; sent to the trunk as dialled.
    public var emergencyNumbers: [String]
    /// How phones dial national numbers: an Asterisk pattern and how many leading digits (the
    /// trunk prefix) to drop before putting `+<code>` in front. Patterns are long enough never
    /// to match a 4-digit internal number or an emergency number.
    public var nationalDialling: [(pattern: String, strip: Int)] = []

    public static func == (a: NumberingPlan, b: NumberingPlan) -> Bool {
        a.callingCode == b.callingCode && a.trunkPrefix == b.trunkPrefix && a.emergencyNumbers == b.emergencyNumbers
            && a.nationalDialling.map(\.pattern) == b.nationalDialling.map(\.pattern) && a.nationalDialling.map(\.strip) == b.nationalDialling.map(\.strip)
    }

    /// 112 reaches the emergency services from any GSM network, so every tenant has it.
    public static let everywhere = ["112"]

    /// The platform's list, by calling code. Add a country here (and its test) to serve it.
    public static let byCallingCode: [String: NumberingPlan] = [
        "34": NumberingPlan(callingCode: "34", trunkPrefix: "", emergencyNumbers: ["061", "062", "080", "085", "091", "092", "112"],
                            nationalDialling: [("_[6-9]XXXXXXXX", 0)]),
        "1": NumberingPlan(callingCode: "1", trunkPrefix: "1", emergencyNumbers: ["112", "911"],
                           nationalDialling: [("_NXXNXXXXXX", 0), ("_1NXXNXXXXXX", 1)]),
        "44": NumberingPlan(callingCode: "44", trunkPrefix: "0", emergencyNumbers: ["112", "999"],
                            nationalDialling: [("_0[1-9]XXXXXXXX", 1), ("_0[1-9]XXXXXXXXX", 1)]),
        "33": NumberingPlan(callingCode: "33", trunkPrefix: "0", emergencyNumbers: ["112", "114", "115", "15", "17", "18"],
                            nationalDialling: [("_0[1-9]XXXXXXXX", 1)]),
        "49": NumberingPlan(callingCode: "49", trunkPrefix: "0", emergencyNumbers: ["110", "112"],
                            nationalDialling: [("_0[1-9]XXXX.", 1)]),
        "39": NumberingPlan(callingCode: "39", trunkPrefix: "", emergencyNumbers: ["112", "113", "115", "118"],
                            nationalDialling: [("_0XXXXX.", 0), ("_3XXXXXXXX.", 0)]),
        "351": NumberingPlan(callingCode: "351", trunkPrefix: "", emergencyNumbers: ["112"], nationalDialling: [("_[29]XXXXXXXX", 0)]),
        "52": NumberingPlan(callingCode: "52", trunkPrefix: "", emergencyNumbers: ["112", "911"], nationalDialling: [("_[1-9]XXXXXXXXX", 0)]),
        "54": NumberingPlan(callingCode: "54", trunkPrefix: "0", emergencyNumbers: ["100", "101", "107", "112", "911"],
                            nationalDialling: [("_0[1-9]XXXXXXXXX", 1)]),
    ]

    /// Two-digit ITU calling codes (1 and 7 have one digit; every other code has three).
    static let twoDigitCodes: Set<String> = ["20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47",
                                             "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65",
                                             "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98"]

    /// The calling code of an E.164 number (`+34910000001` → `34`), or nil.
    public static func callingCode(of number: String) -> String? {
        guard number.hasPrefix("+") else { return nil }
        let digits = number.dropFirst()
        guard digits.count >= 4, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let first = digits.first else { return nil }
        if first == "1" || first == "7" { return String(first) }
        let two = String(digits.prefix(2))
        return twoDigitCodes.contains(two) ? two : String(digits.prefix(3))
    }

    /// The plan of the country an E.164 number belongs to, if the platform knows it.
    public static func of(_ number: String) -> NumberingPlan? { callingCode(of: number).flatMap { byCallingCode[$0] } }

    /// Emergency and short numbers for a tenant whose main number is `mainNumber`.
    public static func emergencyNumbers(mainNumber: String?) -> [String] {
        (mainNumber.flatMap(of)?.emergencyNumbers ?? everywhere).sorted()
    }

    /// A caller's number as the media node leaves it at the top of a public number (the dial
    /// plan does exactly this): only ASCII digits and `+`; `00…` → `+…`; a national number
    /// (six or more digits) loses the trunk prefix and gains `+<code>`. Short numbers and
    /// anonymous callers stay as they are. `plan` is nil when the country is unknown.
    public static func normalise(_ raw: String, plan: NumberingPlan?) -> String {
        var n = filtered(raw)
        if n.hasPrefix("00") { n = "+" + n.dropFirst(2) }
        guard let plan, n.count >= 6, n.allSatisfy({ $0 != "+" }) else { return n }
        if !plan.trunkPrefix.isEmpty, n.hasPrefix(plan.trunkPrefix) { n = String(n.dropFirst(plan.trunkPrefix.count)) }
        return "+" + plan.callingCode + n
    }

    /// Only the ASCII digits and `+` of `raw`: what `${FILTER(0-9+,…)}` leaves.
    public static func filtered(_ raw: String) -> String {
        String(String.UnicodeScalarView(raw.unicodeScalars.filter { ("0"..."9").contains($0) || $0 == "+" }))
    }
}
