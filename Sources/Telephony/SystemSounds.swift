/// Sounds every media node has (Asterisk's core prompts and its default hold music), named
/// `system:<name>`. Tenants' own sounds (SND) are added beside them; until then IVR menus and
/// queue announcements use these.
public enum SystemSounds {
    /// Prompt IDs and the file Asterisk plays for each (no extension: it picks the format).
    public static let prompts: [String: String] = [
        "system:welcome": "welcome",
        "system:hello-world": "hello-world",
        "system:please-hold": "pls-hold-while-try",
        "system:one-moment": "one-moment-please",
        "system:transfer": "transfer",
        "system:invalid": "invalid",
        "system:try-again": "please-try-again",
        "system:goodbye": "vm-goodbye",
        "system:thank-you": "auth-thankyou",
        "system:queue-thank-you": "queue-thankyou",
        "system:queue-periodic": "queue-periodic-announce",
        "system:beep": "beep",
    ]

    /// Hold-music classes every node has.
    public static let holdMusic: [String: String] = ["system:default": "default"]

    public static func isPrompt(_ id: String) -> Bool { prompts[id] != nil }
    public static func isHoldMusic(_ id: String) -> Bool { holdMusic[id] != nil }
}
