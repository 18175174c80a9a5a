import Foundation
import HTTPServer
import Postgres
import Telephony

/// INT-1: intervals belong to a user; admins manage every interval of the tenant, members
/// only their own (USR-4). Writes are validated by the domain type, audited and versioned.
struct IntervalsService: Sendable {
    let database: TenantDatabase
    let intervals: IntervalsRepository
    let users: UsersRepository
    let tenants: TenantsRepository
    let rules: RulesRepository
    let audit: AuditRecorder
    /// Pages of the list, kept per configuration revision (everything they show bumps it).
    let pages: ListCache

    static let fields: Set<String> = ["ownerId", "name", "algorithm", "timezone", "startTime", "endTime", "startWeekday", "endWeekday",
                                      "startDay", "endDay", "months", "startDate", "endDate"]

    func list(_ context: TenantContext, owner: UUID?, search: String?, limit: Int, cursor: NameCursor?) async throws -> HTTPResponse {
        let ownerFilter: UUID?
        if context.isAdmin {
            ownerFilter = owner
        } else {
            guard let me = context.identity.userID else { throw HTTPError(.forbidden, detail: "Member API keys cannot list intervals.") }
            if let owner, owner != me { throw HTTPError(.forbidden, detail: "Members see only their own intervals.") }
            ownerFilter = me
        }
        let key = ListCache.Key(tenant: context.tenantID, list: "intervals",
                                parameters: [ownerFilter?.uuidString, search, String(limit), cursor?.encoded])
        return try await database.cachedList(context.scope, key: key, cache: pages) { connection in
            let page = try await intervals.list(owner: ownerFilter, search: search, limit: limit + 1, after: cursor, on: connection)
            return ListPage(page: page.items, limit: limit, total: page.total) { NameCursor(name: $0.name.lowercased(), id: $0.id).encoded }
        }
    }

    func get(_ context: TenantContext, id: UUID) async throws -> IntervalView {
        try await database.read(context.scope) { connection in
            try await accessible(id, context, forUpdate: false, on: connection)
        }
    }

    func create(_ context: TenantContext, request: HTTPRequest) async throws -> IntervalView {
        let patch = try MergePatch(request, allowed: Self.fields)
        return try await database.transaction(context.scope) { connection in
            guard let tenant = try await tenants.find(context.tenantID, on: connection) else { throw HTTPError(.notFound) }
            var errors = FieldErrors()
            if case .absent = patch.string("name", errors: &errors) { errors.add("name", "is required") }
            // The owner is the one named, or else the caller (API keys must name one).
            var owner = context.identity.userID
            if case .value(let text) = patch.string("ownerId", errors: &errors) { owner = UUID(uuidString: text) ?? owner }
            guard let owner else { throw HTTPError.validation(field: "ownerId", "is required when an API key creates an interval") }
            let start = IntervalFields(ownerID: owner, name: "", rule: CalendarInterval(
                timeZone: tenant.timezone, startTime: TimeOfDay.midnight, endTime: TimeOfDay.midnight))
            var fields = Self.apply(patch, to: start, errors: &errors)
            try errors.throwIfAny()
            try await checkOwner(&fields, context, on: connection)
            let created = try await intervals.create(fields, tenantID: context.tenantID, on: connection)
            try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "interval", entityID: created.id, action: .create,
                                   before: nil, after: fields.auditValues, on: connection)
            return created
        }
    }

    func update(_ context: TenantContext, id: UUID, request: HTTPRequest) async throws -> IntervalView {
        let patch = try MergePatch(request, allowed: Self.fields)
        return try await database.transaction(context.scope) { connection in
            let current = try await accessible(id, context, forUpdate: true, on: connection)
            try Versioning.check(request, current: current.version)
            guard let before = IntervalsRepository.fields(of: current) else { throw HTTPError(.internalServerError) }
            var errors = FieldErrors()
            var after = Self.apply(patch, to: before, errors: &errors)
            try errors.throwIfAny()
            try await checkOwner(&after, context, on: connection)
            guard let updated = try await intervals.update(id, after, on: connection) else { throw HTTPError(.notFound) }
            let old = before.auditValues, new = after.auditValues
            let changed = new.keys.filter { old[$0] != new[$0] }
            if !changed.isEmpty {
                try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "interval", entityID: updated.id,
                                       action: .update, before: old.filter { changed.contains($0.key) },
                                       after: new.filter { changed.contains($0.key) }, on: connection)
            }
            return updated
        }
    }

    /// Deletes all of `ids` or, if any is missing or not the caller's, none.
    func delete(_ context: TenantContext, ids: [UUID]) async throws {
        guard !ids.isEmpty else { throw HTTPError.validation(field: "ids", "name at least one interval") }
        try await database.transaction(context.scope) { connection in
            var removed: [IntervalView] = []
            for id in Set(ids) { removed.append(try await accessible(id, context, forUpdate: true, on: connection)) }
            for interval in removed {
                guard let id = UUID(uuidString: interval.id) else { continue }
                let users = try await rules.users(ofInterval: id, on: connection)
                if !users.isEmpty {
                    throw HTTPError(.conflict, type: "in-use", detail: "\(interval.name) is used by \(users.joined(separator: ", ")); change those first.",
                                    errors: [.init(field: "ids", message: "\(interval.name) is in use")])
                }
            }
            _ = try await intervals.delete(Array(Set(ids)), on: connection)
            for interval in removed {
                try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "interval", entityID: interval.id,
                                       action: .delete, before: IntervalsRepository.fields(of: interval)?.auditValues, after: nil, on: connection)
            }
        }
    }

    /// The interval if it exists in the tenant and the caller may touch it.
    private func accessible(_ id: UUID, _ context: TenantContext, forUpdate: Bool, on connection: PostgresConnection) async throws -> IntervalView {
        guard let interval = try await intervals.find(id, forUpdate: forUpdate, on: connection) else {
            throw HTTPError(.notFound, detail: "There is no interval \(id.lowercased).")
        }
        if !context.isAdmin && interval.ownerId != context.identity.userID?.lowercased {
            throw HTTPError(.forbidden, detail: "Members manage only their own intervals.")
        }
        return interval
    }

    /// The owner must be a user of this tenant; members may only own their intervals.
    private func checkOwner(_ fields: inout IntervalFields, _ context: TenantContext, on connection: PostgresConnection) async throws {
        if !context.isAdmin && fields.ownerID != context.identity.userID {
            throw HTTPError(.forbidden, detail: "Members can only own their intervals.")
        }
        guard let owner = try await users.find(fields.ownerID, on: connection), owner.tenantId == context.tenantID.lowercased else {
            throw HTTPError.validation(field: "ownerId", "is not a user of this tenant")
        }
    }

    /// The patch applied to `fields`, with every invalid field named.
    static func apply(_ patch: MergePatch, to fields: IntervalFields, errors: inout FieldErrors) -> IntervalFields {
        var f = fields
        var r = f.rule
        if case .value(let text) = patch.string("ownerId", errors: &errors) {
            if let id = UUID(uuidString: text) { f.ownerID = id } else { errors.add("ownerId", "must be a user ID") }
        }
        if case .value(let name) = patch.string("name", errors: &errors) { f.name = name.trimmingCharacters(in: .whitespaces) }
        if case .value(let text) = patch.string("algorithm", errors: &errors) {
            if let a = CalendarInterval.Algorithm(rawValue: text) { r.algorithm = a } else { errors.add("algorithm", "must be individualDays or continuous") }
        }
        if case .value(let zone) = patch.string("timezone", errors: &errors) { r.timeZone = zone }
        for (key, path) in [("startTime", \CalendarInterval.startTime), ("endTime", \CalendarInterval.endTime)] {
            switch patch.string(key, errors: &errors) {
            case .absent: break
            case .null: errors.add(key, "is required (HH:MM)")
            case .value(let text): if let t = TimeOfDay(text) { r[keyPath: path] = t } else { errors.add(key, "must be HH:MM, 00:00 to 23:59") }
            }
        }
        for (key, path) in [("startWeekday", \CalendarInterval.startWeekday), ("endWeekday", \CalendarInterval.endWeekday)] {
            switch patch.string(key, errors: &errors) {
            case .absent: break
            case .null: r[keyPath: path] = nil
            case .value(let text): if let d = Weekday(rawValue: text) { r[keyPath: path] = d } else { errors.add(key, "must be monday … sunday") }
            }
        }
        for (key, path) in [("startDay", \CalendarInterval.startDay), ("endDay", \CalendarInterval.endDay)] {
            if case .value(let n) = patch.integer(key, errors: &errors) { r[keyPath: path] = n }
        }
        switch patch.integers("months", errors: &errors) {
        case .absent: break
        case .null: r.months = []
        case .value(let months): r.months = months
        }
        for (key, path) in [("startDate", \CalendarInterval.startDate), ("endDate", \CalendarInterval.endDate)] {
            switch patch.string(key, errors: &errors) {
            case .absent: break
            case .null: r[keyPath: path] = nil
            case .value(let text): if let d = LocalDate(text) { r[keyPath: path] = d } else { errors.add(key, "must be a date, YYYY-MM-DD") }
            }
        }
        if f.name.isEmpty || f.name.count > 100 { errors.add("name", "must have 1 to 100 characters") }
        else if let problem = TextSink.displayProblem(f.name) { errors.add("name", problem) }
        let reported = Set(errors.errors.map(\.field))
        for problem in r.problems() where !reported.contains(problem.field) { errors.add(problem.field, problem.message) }
        f.rule = r
        return f
    }
}
