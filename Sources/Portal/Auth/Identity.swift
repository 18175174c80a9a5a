import Foundation
import HTTPServer

/// Who is calling, as established by `AuthenticationMiddleware`.
struct Identity: Sendable, Equatable {
    enum Role: String, Sendable, Codable { case admin, member, `operator` }

    enum Credential: Sendable, Equatable {
        /// A browser session; writes need the session's CSRF token.
        case session(tokenHash: [UInt8], csrfToken: String)
        case apiKey(id: UUID, name: String)
    }

    /// The acting user (nil for API keys).
    var userID: UUID?
    /// The user's or key's tenant; nil for platform operators.
    var tenantID: UUID?
    var role: Role
    var displayName: String
    var credential: Credential

    var isOperator: Bool { role == .operator }
}

enum IdentityKey: RequestStorageKey {
    typealias Value = Identity
}

extension HTTPRequest {
    /// The caller, or 401 when the request carries no valid credential.
    func identity() throws -> Identity {
        guard let identity = storage[IdentityKey.self] else {
            throw HTTPError(.unauthorized, detail: "Sign in, or send an API key, to use this endpoint.")
        }
        return identity
    }
}
