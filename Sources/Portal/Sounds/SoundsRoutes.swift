import Foundation
import HTTPServer
import Telephony

/// `/api/v1/tenants/{tenantId}/sounds`: the sounds a tenant's menus, queues and actions may
/// name, so forms offer a list instead of asking for IDs. Today these are the media node's
/// own prompts and hold music (`system: true`, IDs `system:*`); the tenant's uploads (SND-1)
/// join the same list later, with the same `kind` values.
struct SoundsRoutes: RouteCollection {
    let tenants: TenantsRepository
    let database: TenantDatabase

    struct Sound: Encodable, Sendable {
        var id: String
        /// `sound` (played in menus, actions and announcements) or `holdMusic` (queues).
        var kind: String
        var name: String
        /// The node's own, the same for every tenant; not editable.
        var system: Bool
    }

    static let all: [Sound] =
        SystemSounds.prompts.keys.sorted().map { Sound(id: $0, kind: "sound", name: name($0), system: true) }
        + SystemSounds.holdMusic.keys.sorted().map { Sound(id: $0, kind: "holdMusic", name: name($0), system: true) }

    /// `system:please-hold` → `please-hold`.
    static func name(_ id: String) -> String { String(id.dropFirst("system:".count)) }

    func register(on routes: RouteGroup) {
        routes.get("/sounds") { request in
            _ = try await TenantContext.resolve(request, tenants: tenants, database: database)
            return try .json(ListPage(items: Self.all, nextCursor: nil, total: Self.all.count))
        }
    }
}
