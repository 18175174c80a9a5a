import Foundation
import HTTPServer

/// `GET|PUT /api/v1/tenants/{t}/extensions/{id}/recording` (EXT-4). PUT replaces the block.
struct RecordingSettingsRoutes: RouteCollection {
    let settings: RecordingSettingsRepository
    let access: ExtensionAccess
    let tenants: TenantsRepository
    let database: TenantDatabase
    let audit: AuditRecorder

    static let fields: Set<String> = ["enabled", "start", "announce", "deleteAfterDays"]

    func register(on routes: RouteGroup) {
        routes.get("/extensions/{id}/recording") { request in
            let context = try await TenantContext.resolve(request, tenants: tenants, database: database)
            let id = try ExtensionsRoutes.id(request)
            let current = try await database.transaction(context.scope) { connection in
                _ = try await access.resolve(id, context, on: connection)
                return try await settings.find(extension: id, on: connection)
            }
            return try .json(current, headers: ["ETag": Versioning.etag(current.version)])
        }
        routes.put("/extensions/{id}/recording", maxBodyBytes: 4096) { request in
            let context = try await TenantContext.resolve(request, tenants: tenants, database: database)
            let id = try ExtensionsRoutes.id(request)
            let body = try MergePatch(request, allowed: Self.fields)
            let saved = try await database.transaction(context.scope) { connection -> RecordingSettings in
                let ext = try await access.resolve(id, context, forUpdate: true, on: connection)
                let current = try await settings.find(extension: id, on: connection)
                try Versioning.check(request, current: current.version)
                var errors = FieldErrors()
                let next = Self.apply(body, to: current, errors: &errors)
                try errors.throwIfAny()
                try await settings.save(next, extension: id, tenantID: context.tenantID, on: connection)
                let saved = try await settings.find(extension: id, on: connection)
                try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "recording", entityID: ext.id, action: .update,
                                       before: Self.auditValues(current), after: Self.auditValues(saved), on: connection)
                return saved
            }
            return try .json(saved, headers: ["ETag": Versioning.etag(saved.version)])
        }
    }

    /// The whole replacement applied to `current`, with every invalid field named.
    static func apply(_ body: MergePatch, to current: RecordingSettings, errors: inout FieldErrors) -> RecordingSettings {
        var next = current
        next.enabled = MergePatch.required("enabled", body.bool("enabled", errors: &errors), &errors) ?? next.enabled
        next.start = MergePatch.required("start", body.string("start", errors: &errors), &errors) ?? next.start
        next.announce = MergePatch.required("announce", body.bool("announce", errors: &errors), &errors) ?? next.announce
        next.deleteAfterDays = MergePatch.required("deleteAfterDays", body.integer("deleteAfterDays", errors: &errors), &errors) ?? next.deleteAfterDays
        if !["never", "conferences", "onDemand", "always"].contains(next.start) && !errors.errors.contains(where: { $0.field == "start" }) {
            errors.add("start", "must be never, conferences, onDemand or always")
        }
        if !(0...3650).contains(next.deleteAfterDays) { errors.add("deleteAfterDays", "must be 0 (never) to 3650 days") }
        return next
    }

    static func auditValues(_ s: RecordingSettings) -> [String: AuditValue] {
        ["enabled": .bool(s.enabled), "start": .string(s.start), "announce": .bool(s.announce), "deleteAfterDays": .int(s.deleteAfterDays)]
    }
}
