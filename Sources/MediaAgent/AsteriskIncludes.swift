import Foundation

/// The lines that make Asterisk read every tenant tree, appended once to the node's main files
/// (each block is marked, so a second start finds it and adds nothing).
public enum AsteriskIncludes {
    static let marker = "; centralita: tenant configuration (added by centralita-media-agent)"

    static let blocks: [String: String] = [
        "extensions.conf": """
            [centralita-inbound]
            #include tenants/*/inbound.conf

            #include tenants/*/extensions.conf
            """,
        "pjsip.conf": "#include tenants/*/pjsip.conf",
        "voicemail.conf": "#include tenants/*/voicemail.conf",
        "queues.conf": "#include tenants/*/queues.conf",
        "musiconhold.conf": "#include tenants/*/musiconhold.conf",
        // CALL-1: *2 + number transfers a call (Dial and Queue run with the transfer options);
        // REC-2: *1 starts and stops recording (the x/X options of Dial).
        "features.conf": """
            [featuremap]
            blindxfer => *2
            automixmon => *1
            """,
    ]

    /// Adds the missing blocks; returns the files it changed.
    @discardableResult
    public static func install(in directory: String) throws -> [String] {
        var changed: [String] = []
        try FileManager.default.createDirectory(atPath: directory + "/tenants", withIntermediateDirectories: true)
        for (file, block) in blocks.sorted(by: { $0.key < $1.key }) {
            let path = directory + "/" + file
            let existing = FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } ?? ""
            if existing.contains(marker) { continue }
            let separator = existing.isEmpty || existing.hasSuffix("\n") ? "" : "\n"
            try Array((existing + separator + "\n" + marker + "\n" + block + "\n").utf8).withUnsafeBytes { raw in
                try Data(raw).write(to: URL(fileURLWithPath: path), options: .atomic)
            }
            changed.append(file)
        }
        return changed
    }
}
