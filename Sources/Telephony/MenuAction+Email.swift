/// Email actions (CALL-2) as the dial plan names them: the node reports "send the email with
/// key K" and the portal finds that action in the tenant's configuration, so neither the
/// address nor the text ever travels through the dial plan.
extension MenuAction {
    /// A stable key for an email action: FNV-1a (64-bit) over its address and text, in hex.
    /// Not a secret — a node can only ask for emails the tenant configured.
    public static func emailKey(to: String, template: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in (to + "\n" + template).utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Every email action in the lists, nested branches included.
    public static func emails(in actions: [MenuAction]) -> [(to: String, template: String)] {
        var found: [(String, String)] = []
        for action in actions {
            switch action {
            case .email(let to, let template): found.append((to, template))
            default: break
            }
            found += action.branches.flatMap { emails(in: $0.actions) }
        }
        return found
    }

    /// The text of an email action for one call: `{number}` the caller's number, `{name}` the
    /// caller's name (if known), `{time}` when the call came.
    public static func render(_ template: String, number: String, name: String, time: String) -> String {
        template.replacingOccurrences(of: "{number}", with: number.isEmpty ? "anonymous" : number)
            .replacingOccurrences(of: "{name}", with: name)
            .replacingOccurrences(of: "{time}", with: time)
    }
}
