import Foundation
import HTTPServer
import Postgres

/// `GET|PUT /api/v1/tenants/{t}/extensions/{id}/voicemail` (EXT-3). PUT replaces the block;
/// `pin` is write-only: absent keeps it, null removes it. An enabled mailbox always has a PIN:
/// without one the portal generates it and shows it in that response only (`generatedPin`).
struct VoicemailSettingsRoutes: RouteCollection {
    let settings: VoicemailSettingsRepository
    let access: ExtensionAccess
    let users: UsersRepository
    let tenants: TenantsRepository
    let database: TenantDatabase
    let audit: AuditRecorder

    static let fields: Set<String> = ["enabled", "deleteAfterDays", "notify", "pin", "answerAfterSeconds", "exitToExtension", "keepUnread"]

    func register(on routes: RouteGroup) {
        routes.get("/extensions/{id}/voicemail") { request in
            let context = try await TenantContext.resolve(request, tenants: tenants, database: database)
            let id = try ExtensionsRoutes.id(request)
            let current = try await database.transaction(context.scope) { connection in
                _ = try await access.resolve(id, context, on: connection)
                return try await settings.find(extension: id, on: connection).settings
            }
            return try .json(current, headers: ["ETag": Versioning.etag(current.version)])
        }
        routes.put("/extensions/{id}/voicemail", maxBodyBytes: 4096) { request in
            let context = try await TenantContext.resolve(request, tenants: tenants, database: database)
            let id = try ExtensionsRoutes.id(request)
            let body = try MergePatch(request, allowed: Self.fields)
            let saved = try await database.transaction(context.scope) { connection -> VoicemailSettings in
                let ext = try await access.resolve(id, context, forUpdate: true, on: connection)
                let (current, currentPin) = try await settings.find(extension: id, on: connection)
                try Versioning.check(request, current: current.version)
                var errors = FieldErrors()
                var (next, pin) = Self.apply(body, to: current, pin: currentPin, errors: &errors)
                if next.notify != "none" && !errors.errors.contains(where: { $0.field == "notify" }) {
                    let email = try await ext.ownerId.flatMap(UUID.init(uuidString:)).asyncMap { try await users.find($0, on: connection)?.email }
                    if email == nil { errors.add("notify", "needs an e-mail address on the extension's user") }
                }
                if let target = next.exitToExtension {
                    if let targetID = UUID(uuidString: target), targetID != id,
                       try await access.extensions.find(targetID, sipServer: access.sipServer, on: connection) != nil {
                        next.exitToExtension = targetID.lowercased
                    } else {
                        errors.add("exitToExtension", "must be another extension of this tenant")
                    }
                }
                try errors.throwIfAny()
                var generated: String?
                if next.enabled && pin == nil {
                    generated = VoicemailSettings.randomPin()
                    pin = generated
                }
                try await settings.save(next, pin: pin, extension: id, tenantID: context.tenantID, on: connection)
                var saved = try await settings.find(extension: id, on: connection).settings
                try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "voicemail", entityID: ext.id, action: .update,
                                       before: Self.auditValues(current), after: Self.auditValues(saved).merging(pin != currentPin ? ["pin": .string("")] : [:]) { a, _ in a },
                                       on: connection)
                saved.generatedPin = generated
                return saved
            }
            return try .json(saved, headers: ["ETag": Versioning.etag(saved.version)])
        }
    }

    /// The whole replacement applied to `current` and its PIN, with every field that is invalid
    /// on its own named (the owner's e-mail and the exit extension are checked in the database).
    static func apply(_ body: MergePatch, to current: VoicemailSettings, pin currentPin: String?,
                      errors: inout FieldErrors) -> (VoicemailSettings, pin: String?) {
        var next = current
        var pin = currentPin
        next.enabled = MergePatch.required("enabled", body.bool("enabled", errors: &errors), &errors) ?? next.enabled
        next.deleteAfterDays = MergePatch.required("deleteAfterDays", body.integer("deleteAfterDays", errors: &errors), &errors) ?? next.deleteAfterDays
        next.notify = MergePatch.required("notify", body.string("notify", errors: &errors), &errors) ?? next.notify
        next.answerAfterSeconds = MergePatch.required("answerAfterSeconds", body.integer("answerAfterSeconds", errors: &errors), &errors) ?? next.answerAfterSeconds
        next.keepUnread = MergePatch.required("keepUnread", body.bool("keepUnread", errors: &errors), &errors) ?? next.keepUnread
        switch body.string("exitToExtension", errors: &errors) {
        case .absent, .null: next.exitToExtension = nil
        case .value(let target): next.exitToExtension = target
        }
        switch body.string("pin", errors: &errors) {
        case .absent: break
        case .null: pin = nil
        case .value(let value): pin = value
        }
        if !(0...3650).contains(next.deleteAfterDays) { errors.add("deleteAfterDays", "must be 0 (never) to 3650 days") }
        if !["none", "alert", "attach"].contains(next.notify) { errors.add("notify", "must be none, alert or attach") }
        if !(5...300).contains(next.answerAfterSeconds) { errors.add("answerAfterSeconds", "must be 5 to 300 seconds") }
        if let pin, pin.isEmpty || pin.count > 5 || !pin.allSatisfy({ $0.isASCII && $0.isNumber }) { errors.add("pin", "must be 1 to 5 digits") }
        return (next, pin)
    }

    static func auditValues(_ s: VoicemailSettings) -> [String: AuditValue] {
        ["enabled": .bool(s.enabled), "deleteAfterDays": .int(s.deleteAfterDays), "notify": .string(s.notify), "pinSet": .bool(s.pinSet),
         "answerAfterSeconds": .int(s.answerAfterSeconds), "exitToExtension": s.exitToExtension.map(AuditValue.string) ?? .null,
         "keepUnread": .bool(s.keepUnread)]
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T?) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
