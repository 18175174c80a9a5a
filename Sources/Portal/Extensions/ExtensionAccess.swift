import Foundation
import HTTPServer
import Postgres

/// Who may touch an extension: the tenant's admins, and the member who owns it (for the
/// settings members manage themselves: voicemail, recording, rules).
struct ExtensionAccess: Sendable {
    let extensions: ExtensionsRepository
    let sipServer: String

    func resolve(_ id: UUID, _ context: TenantContext, forUpdate: Bool = false, on connection: PostgresConnection) async throws -> ExtensionView {
        guard let ext = try await extensions.find(id, forUpdate: forUpdate, sipServer: sipServer, on: connection) else {
            throw Self.notFound(id)
        }
        if !context.isAdmin && ext.ownerId != context.identity.userID?.lowercased {
            throw HTTPError(.forbidden, detail: "Members see only their own extensions.")
        }
        return ext
    }

    static func notFound(_ id: UUID) -> HTTPError {
        HTTPError(.notFound, detail: "There is no extension \(id.lowercased).")
    }
}
