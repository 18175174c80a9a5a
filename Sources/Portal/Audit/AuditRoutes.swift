import Foundation
import HTTPServer

/// `GET /api/v1/tenants/{tenantId}/audit` (admins): who changed what, newest first, filtered
/// by entity, acting user and time range.
struct AuditRoutes: RouteCollection {
    let audit: AuditRepository
    let tenants: TenantsRepository
    let database: TenantDatabase


    func register(on routes: RouteGroup) {
        routes.get("/audit") { request in
            let context = try await TenantContext.resolve(request, tenants: tenants, database: database)
            try context.requireAdmin()
            var errors = FieldErrors()
            let iso = ISO8601DateFormatter()
            func date(_ name: String) -> Date? {
                guard let text = request.queryValue(name) else { return nil }
                guard let date = iso.date(from: text) else {
                    errors.add(name, "must be an RFC 3339 time such as 2026-11-22T10:00:00Z")
                    return nil
                }
                return date
            }
            var userID: UUID?
            if let text = request.queryValue("user") {
                userID = UUID(uuidString: text)
                if userID == nil { errors.add("user", "must be a user ID") }
            }
            var beforeID: Int?
            if let cursor = request.cursor {
                beforeID = Int(cursor)
                if beforeID == nil { errors.add("cursor", "is not a cursor from this list") }
            }
            let filter = AuditRepository.Filter(entity: request.queryValue("entity"), userID: userID, from: date("from"), to: date("to"),
                                                beforeID: beforeID, limit: try UsersRoutes.limit(request))
            try errors.throwIfAny()
            let page = try await database.read(context.scope) { try await audit.list(filter, on: $0) }
            let next = page.items.count == filter.limit ? page.items.last.map { String($0.id) } : nil
            return try .json(ListPage<AuditEntry>(items: page.items, nextCursor: next, total: page.total))
        }
    }
}
