import Foundation
import HTTPServer

/// An identity scoped to the tenant in the request path. Built before any tenant handler
/// runs: a caller outside the tenant gets 404 (so tenant IDs cannot be probed), a platform
/// operator may act in any existing tenant.
struct TenantContext: Sendable {
    let tenantID: UUID
    let identity: Identity

    /// Admins of the tenant, admin API keys and operators manage the whole tenant.
    var isAdmin: Bool { identity.role == .admin || identity.role == .operator }

    var scope: TenantDatabase.Scope {
        TenantDatabase.Scope(tenantID: tenantID, userID: identity.userID, isOperator: identity.isOperator)
    }

    static func resolve(_ request: HTTPRequest, tenants: TenantsRepository, database: TenantDatabase) async throws -> TenantContext {
        let identity = try request.identity()
        guard let tenantID = UUID(uuidString: try request.parameter("tenantId")) else {
            throw HTTPError(.notFound, detail: "There is no such tenant.")
        }
        if identity.isOperator {
            let exists = try await database.transaction(.operatorScope(user: identity.userID, tenant: tenantID)) {
                try await tenants.find(tenantID, on: $0) != nil
            }
            guard exists else { throw HTTPError(.notFound, detail: "There is no such tenant.") }
        } else if identity.tenantID != tenantID {
            throw HTTPError(.notFound, detail: "There is no such tenant.")
        }
        return TenantContext(tenantID: tenantID, identity: identity)
    }

    func requireAdmin() throws {
        guard isAdmin else { throw HTTPError(.forbidden, detail: "Only the tenant's administrators may do this.") }
    }
}
