/// The compiled configuration of one tenant: relative paths (under the media node's
/// `tenants/t<key>/` folder) and their bytes, sorted by path.
public struct CompiledBundle: Sendable, Equatable {
    public var tenant: String
    public var revision: Int
    public var files: [String: [UInt8]]

    public var sortedPaths: [String] { files.keys.sorted() }
}

/// Snapshot → `CallPlan` → Asterisk files. Pure and deterministic.
public enum DialplanCompiler {
    /// The files every tenant bundle has; the media agent includes them from the node's main
    /// configuration files.
    public static let includedFiles = ["extensions.conf": "extensions.conf", "pjsip.conf": "pjsip.conf", "voicemail.conf": "voicemail.conf",
                                       "queues.conf": "queues.conf", "musiconhold.conf": "musiconhold.conf"]

    public static func plan(_ snapshot: TenantSnapshot, options: CompileOptions = CompileOptions()) -> CallPlan {
        CallPlanBuilder(snapshot, options: options).build()
    }

    public static func compile(_ snapshot: TenantSnapshot, options: CompileOptions = CompileOptions()) -> CompiledBundle {
        let plan = plan(snapshot, options: options)
        return compile(plan, revision: snapshot.revision, options: options)
    }

    public static func compile(_ plan: CallPlan, revision: Int, options: CompileOptions) -> CompiledBundle {
        let files: [String: [UInt8]] = [
            "extensions.conf": ExtensionsEmitter(plan: plan, options: options, revision: revision).emit(),
            "inbound.conf": Array(("; Centralita: public numbers of tenant \(id: plan.tenant), included in the node's inbound context.\ninclude => \(id: plan.tenant)-inbound\n" as AsteriskText).text.utf8),
            "pjsip.conf": PJSIPEmitter(plan: plan, options: options, revision: revision).emit(),
            "voicemail.conf": VoicemailEmitter(plan: plan, options: options, revision: revision).emit(),
            "queues.conf": QueuesEmitter(plan: plan, revision: revision).emit(),
            "musiconhold.conf": MusicOnHoldEmitter(plan: plan, revision: revision).emit(),
        ]
        return CompiledBundle(tenant: plan.tenant, revision: revision, files: files)
    }
}
