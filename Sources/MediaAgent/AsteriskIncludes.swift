import Foundation

/// The lines that make Asterisk read every tenant tree, appended once to the node's main files
/// (each block is marked, so a second start finds it and adds nothing). `#tryinclude`, not
/// `#include`: a node with no tenant yet (or after the last one left) has no file to match, and
/// a missing `#include` makes Asterisk refuse the whole file — the carrier trunk with it.
public enum AsteriskIncludes {
    static let marker = "; centralita: tenant configuration (added by centralita-media-agent)"

    static let blocks: [String: String] = [
        "extensions.conf": """
            [centralita-inbound]
            #tryinclude tenants/*/inbound.conf

            #tryinclude tenants/*/extensions.conf
            """,
        "pjsip.conf": "#tryinclude tenants/*/pjsip.conf",
        "voicemail.conf": "#tryinclude tenants/*/voicemail.conf",
        "queues.conf": "#tryinclude tenants/*/queues.conf",
        "musiconhold.conf": "#tryinclude tenants/*/musiconhold.conf",
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
            if existing.contains(marker) {
                // Nodes set up before `#tryinclude`: their block is made tolerant in place.
                let fixed = existing.replacingOccurrences(of: "\n#include tenants/*/", with: "\n#tryinclude tenants/*/")
                if fixed != existing {
                    try Array(fixed.utf8).withUnsafeBytes { raw in try Data(raw).write(to: URL(fileURLWithPath: path), options: .atomic) }
                    changed.append(file)
                }
                continue
            }
            let separator = existing.isEmpty || existing.hasSuffix("\n") ? "" : "\n"
            try Array((existing + separator + "\n" + marker + "\n" + block + "\n").utf8).withUnsafeBytes { raw in
                try Data(raw).write(to: URL(fileURLWithPath: path), options: .atomic)
            }
            changed.append(file)
        }
        return changed
    }
}
