import Foundation
import HTTPServer
import Postgres
import Telephony

/// TEN-1: operators create, list and delete tenants and set status and plan limits; a
/// tenant's admins read their tenant and change its name, alias, time zone, language and
/// contact e-mail.
struct TenantsService: Sendable {
    let database: TenantDatabase
    let tenants: TenantsRepository
    let audit: AuditRecorder

    static let operatorFields: Set<String> = ["status", "maxExtensions", "maxSimultaneousCalls", "storageQuotaBytes", "plan"]
    static let adminFields: Set<String> = ["name", "alias", "timezone", "language", "contactEmail", "outgoingCallerIds"]

    func list(_ identity: Identity) async throws -> [TenantView] {
        guard identity.isOperator else { throw HTTPError(.forbidden, detail: "Only platform operators list tenants.") }
        return try await database.transaction(.operatorScope(user: identity.userID)) { try await tenants.list(on: $0) }
    }

    func get(_ context: TenantContext) async throws -> TenantView {
        guard let tenant = try await database.read(context.scope, { try await tenants.find(context.tenantID, on: $0) }) else {
            throw HTTPError(.notFound, detail: "There is no such tenant.")
        }
        return tenant
    }

    func create(_ identity: Identity, request: HTTPRequest) async throws -> TenantView {
        guard identity.isOperator else { throw HTTPError(.forbidden, detail: "Only platform operators create tenants.") }
        let patch = try MergePatch(request, allowed: Self.operatorFields.union(Self.adminFields))
        var errors = FieldErrors()
        guard case .value(let name) = patch.string("name", errors: &errors) else {
            throw HTTPError.validation(field: "name", "is required")
        }
        let fields = try Self.apply(patch, to: Self.draft(name: name), errors: &errors)
        Self.checkCallerIDs(fields.outgoingCallerIds, owned: [], into: &errors)
        try errors.throwIfAny()
        return try await Self.mappingConflicts {
            try await database.transaction(.operatorScope(user: identity.userID)) { connection in
                let tenant = try await tenants.create(fields, on: connection)
                // The audit row belongs to the new tenant: work inside it from here on.
                try await connection.setLocal("app.tenant_id", tenant.id)
                guard let id = UUID(uuidString: tenant.id) else { throw HTTPError(.internalServerError) }
                try await audit.record(tenantID: id, actor: identity, entity: "tenant", entityID: tenant.id, action: .create,
                                       before: nil, after: Self.auditValues(tenant), on: connection)
                return tenant
            }
        }
    }

    /// A new tenant with the defaults of TEN-1 (50 extensions, 10 calls, 10 GiB, standard plan).
    static func draft(name: String, timezone: String = "Europe/Madrid", language: String = "es") -> TenantView {
        TenantView(id: "", name: name, alias: nil, status: "active", timezone: timezone, language: language, contactEmail: nil, outgoingCallerIds: [],
                   maxExtensions: 50, maxSimultaneousCalls: 10, storageQuotaBytes: 10 * 1024 * 1024 * 1024, plan: "standard",
                   pendingPlan: nil, pendingPlanFrom: nil, version: 0, createdAt: Date(), updatedAt: Date())
    }

    func update(_ context: TenantContext, request: HTTPRequest) async throws -> TenantView {
        try context.requireAdmin()
        let allowed = context.identity.isOperator ? Self.operatorFields.union(Self.adminFields) : Self.adminFields
        let patch = try MergePatch(request, allowed: Self.operatorFields.union(Self.adminFields))
        let forbidden = patch.keys.filter { !allowed.contains($0) }.sorted()
        if !forbidden.isEmpty {
            throw HTTPError(.forbidden, detail: "Only platform operators change \(forbidden.joined(separator: ", ")).")
        }
        return try await Self.mappingConflicts {
            try await database.transaction(context.scope) { connection in
                guard let current = try await tenants.findForUpdate(context.tenantID, on: connection) else {
                    throw HTTPError(.notFound, detail: "There is no such tenant.")
                }
                try Versioning.check(request, current: current.version)
                var errors = FieldErrors()
                let wanted = try Self.apply(patch, to: current, errors: &errors)
                if patch.keys.contains("outgoingCallerIds") {
                    let owned = Set(try await NumbersRepository().list(on: connection).map(\.number))
                    Self.checkCallerIDs(wanted.outgoingCallerIds, owned: owned, into: &errors)
                }
                try errors.throwIfAny()
                guard let updated = try await tenants.update(context.tenantID, wanted, on: connection) else {
                    throw HTTPError(.notFound, detail: "There is no such tenant.")
                }
                let before = Self.auditValues(current), after = Self.auditValues(updated)
                let changed = after.keys.filter { before[$0] != after[$0] }
                if !changed.isEmpty {
                    try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "tenant", entityID: updated.id,
                                           action: .update, before: before.filter { changed.contains($0.key) },
                                           after: after.filter { changed.contains($0.key) }, on: connection)
                }
                return updated
            }
        }
    }

    func delete(_ context: TenantContext, request: HTTPRequest) async throws {
        guard context.identity.isOperator else { throw HTTPError(.forbidden, detail: "Only platform operators delete tenants.") }
        try await database.transaction(context.scope) { connection in
            guard let current = try await tenants.findForUpdate(context.tenantID, on: connection) else {
                throw HTTPError(.notFound, detail: "There is no such tenant.")
            }
            try Versioning.check(request, current: current.version)
            try await tenants.delete(context.tenantID, on: connection)
        }
    }

    /// The patch applied to `tenant`, with a message for every invalid field.
    static func apply(_ patch: MergePatch, to tenant: TenantView, errors: inout FieldErrors) throws -> TenantView {
        var t = tenant
        if case .value(let name) = patch.string("name", errors: &errors) { t.name = name }
        switch patch.string("alias", errors: &errors) {
        case .absent: break
        case .null: t.alias = nil
        case .value(let alias): t.alias = alias
        }
        if case .value(let status) = patch.string("status", errors: &errors) { t.status = status }
        if case .value(let zone) = patch.string("timezone", errors: &errors) { t.timezone = zone }
        if case .value(let language) = patch.string("language", errors: &errors) { t.language = language }
        switch patch.string("contactEmail", errors: &errors) {
        case .absent: break
        case .null: t.contactEmail = nil
        case .value(let email): t.contactEmail = email
        }
        if case .value(let plan) = patch.string("plan", errors: &errors) { t.plan = plan }
        if patch.keys.contains("outgoingCallerIds") {
            let raw = patch.rawValue("outgoingCallerIds") as? [Any]
            let texts = raw?.compactMap { $0 as? String }
            if let texts, texts.count == raw?.count, texts.count <= 9 {
                var numbers: [String] = []
                for (i, text) in texts.enumerated() {
                    if let n = PhoneNumber.e164(text) { numbers.append(n) } else { errors.add("outgoingCallerIds[\(i)]", "must be a phone number in international form") }
                }
                t.outgoingCallerIds = numbers
            } else {
                errors.add("outgoingCallerIds", "must be a list of up to 9 phone numbers")
            }
        }
        for (key, path) in [("maxExtensions", \TenantView.maxExtensions), ("maxSimultaneousCalls", \TenantView.maxSimultaneousCalls),
                            ("storageQuotaBytes", \TenantView.storageQuotaBytes)] {
            switch patch.integer(key, errors: &errors) {
            case .absent: break
            case .null: errors.add(key, "cannot be empty")
            case .value(let n): if n < 0 { errors.add(key, "must be 0 or more") } else { t[keyPath: path] = n }
            }
        }
        validate(t, into: &errors)
        return t
    }

    /// Every TEN-1 rule the tenant breaks, also for the operator's command line.
    /// CALL-1's `cN` caller IDs must be the company's own public numbers: anything else would
    /// let it call out as another company (another tenant's number included).
    static func checkCallerIDs(_ numbers: [String], owned: Set<String>, into errors: inout FieldErrors) {
        for (i, number) in numbers.enumerated() where !owned.contains(number) && !errors.errors.contains(where: { $0.field == "outgoingCallerIds[\(i)]" }) {
            errors.add("outgoingCallerIds[\(i)]", "must be one of the company's public numbers")
        }
    }

    static func validate(_ t: TenantView, into errors: inout FieldErrors) {
        if t.name.trimmingCharacters(in: .whitespaces).isEmpty || t.name.count > 200 { errors.add("name", "must have 1 to 200 characters") }
        else if let problem = TextSink.displayProblem(t.name) { errors.add("name", problem) }
        if let alias = t.alias, alias.range(of: "^[a-z0-9][a-z0-9-]{0,39}$", options: .regularExpression) == nil {
            errors.add("alias", "must be up to 40 lowercase letters, digits or -")
        }
        if !["active", "off"].contains(t.status) { errors.add("status", "must be active or off") }
        if TimeZone(identifier: t.timezone) == nil { errors.add("timezone", "must be an IANA time zone such as Europe/Madrid") }
        if !["es", "en"].contains(t.language) { errors.add("language", "must be es or en") }
        if let email = t.contactEmail, email.range(of: #"^[^@\s]+@[^@\s]+\.[^@\s]+$"#, options: .regularExpression) == nil {
            errors.add("contactEmail", "must be an e-mail address")
        }
        if t.plan.range(of: "^[a-z][a-z0-9-]{1,39}$", options: .regularExpression) == nil {
            errors.add("plan", "must be a plan name (lowercase letters, digits, -)")
        }
    }

    static func auditValues(_ t: TenantView) -> [String: AuditValue] {
        ["name": .string(t.name), "alias": t.alias.map(AuditValue.string) ?? .null, "status": .string(t.status),
         "timezone": .string(t.timezone), "language": .string(t.language), "contactEmail": t.contactEmail.map(AuditValue.string) ?? .null,
         "maxExtensions": .int(t.maxExtensions), "maxSimultaneousCalls": .int(t.maxSimultaneousCalls),
         "storageQuotaBytes": .int(t.storageQuotaBytes), "plan": .string(t.plan),
         "pendingPlan": t.pendingPlan.map(AuditValue.string) ?? .null, "outgoingCallerIds": .string(t.outgoingCallerIds.joined(separator: ","))]
    }

    static func mappingConflicts<T>(_ body: () async throws -> T) async throws -> T {
        try await UniqueConflicts.mapping(["tenants_alias_key": .init(field: "alias", detail: "That alias is taken.")], body)
    }
}
