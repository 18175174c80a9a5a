import Foundation
import HTTPServer
import Postgres

/// Turns a session cookie or an `Authorization: Bearer` API key into an `Identity` on the
/// request. A request with no valid credential continues anonymously (handlers that need an
/// identity answer 401); a cookie-authenticated write without the session's CSRF token is
/// refused with 403 here, before any handler runs.
struct AuthenticationMiddleware: HTTPMiddleware {
    let repository: AuthRepository
    let configuration: AuthConfiguration

    func handle(_ request: HTTPRequest, next: HTTPHandler) async throws -> HTTPResponse {
        var request = request
        if let authorization = request.headers["Authorization"] {
            guard authorization.count > 7, authorization.prefix(7).lowercased() == "bearer " else {
                throw HTTPError(.unauthorized, detail: "Use `Authorization: Bearer <API key>`.")
            }
            let secret = String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)
            guard let key = try await repository.apiKey(secretHash: Secrets.sha256(secret)) else {
                throw HTTPError(.unauthorized, detail: "The API key is not valid or was revoked.")
            }
            request.storage[IdentityKey.self] = key
        } else if let token = Self.cookie(AuthConfiguration.cookieName, in: request.headers) {
            let hash = Secrets.sha256(token)
            if let identity = try await repository.session(tokenHash: hash, configuration: configuration) {
                if Self.isUnsafe(request.method) && !Self.isSignIn(request),
                   case .session(_, let csrf) = identity.credential {
                    guard let sent = request.headers["X-CSRF-Token"],
                          Secrets.constantTimeEqual(Array(sent.utf8), Array(csrf.utf8)) else {
                        throw HTTPError(.forbidden, type: "csrf", detail: "This change needs the X-CSRF-Token header of your session.")
                    }
                }
                request.storage[IdentityKey.self] = identity
            }
        }
        return try await next(request)
    }

    static func isUnsafe(_ method: HTTPMethod) -> Bool {
        !(method == .get || method == .head || method == .options)
    }

    static func isSignIn(_ request: HTTPRequest) -> Bool {
        request.method == .post && request.path == "/api/v1/session"
    }

    static func cookie(_ name: String, in headers: HTTPHeaders) -> String? {
        for header in headers.values("Cookie") {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }
}
