import Foundation
import HTTPServer
import Telephony

/// `/api/v1/tenants/{tenantId}/sounds`: the sounds a tenant's menus, queues and actions may
/// name, so forms offer a list instead of asking for IDs. Today these are the node's own
/// prompts and hold music (`system:*`); the tenant's uploads (SND) join them later.
struct SoundsRoutes: RouteCollection {
    let tenants: TenantsRepository
    let database: TenantDatabase

    struct Sound: Encodable, Sendable {
        /// `prompt` (played in menus and actions) or `holdMusic` (queues).
        var kind: String
        var id: String
    }

    static let all: [Sound] =
        SystemSounds.prompts.keys.sorted().map { Sound(kind: "prompt", id: $0) }
        + SystemSounds.holdMusic.keys.sorted().map { Sound(kind: "holdMusic", id: $0) }

    func register(on routes: RouteGroup) {
        routes.get("/sounds") { request in
            _ = try await TenantContext.resolve(request, tenants: tenants, database: database)
            return try .json(ListPage(items: Self.all, nextCursor: nil, total: Self.all.count))
        }
    }
}
