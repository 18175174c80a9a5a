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
    let cache: IdentityCache

    func handle(_ request: HTTPRequest, next: HTTPHandler) async throws -> HTTPResponse {
        var request = request
        if let authorization = request.headers["Authorization"] {
            guard let secret = Self.bearer(authorization) else {
                throw HTTPError(.unauthorized, detail: "Use `Authorization: Bearer <API key>`.")
            }
            guard let key = try await apiKey(hash: Secrets.sha256(secret)) else {
                throw HTTPError(.unauthorized, detail: "The API key is not valid or was revoked.")
            }
            request.storage[IdentityKey.self] = key
        } else if let token = Self.cookie(AuthConfiguration.cookieName, in: request.headers) {
            let hash = Secrets.sha256(token)
            if let identity = try await session(hash: hash) {
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
        let response = try await next(request)
        if Self.isUnsafe(request.method) && Self.changesIdentities(request.path) {
            // This portal hears its own change through PostgreSQL too, a moment later; until
            // then nothing cached may answer for a key or session that just changed.
            cache.dropAll()
        }
        return response
    }

    private func apiKey(hash: [UInt8]) async throws -> Identity? {
        let key = [0] + hash
        let (cached, ticket) = cache.lookup(key)
        if let cached { return cached }
        guard let identity = try await repository.apiKey(secretHash: hash) else { return nil }
        cache.store(identity, for: key, ticket: ticket)
        return identity
    }

    private func session(hash: [UInt8]) async throws -> Identity? {
        let key = [1] + hash
        let (cached, ticket) = cache.lookup(key)
        if let cached { return cached }
        guard let (identity, expiresAt) = try await repository.session(tokenHash: hash, configuration: configuration) else { return nil }
        cache.store(identity, for: key, expiresAt: expiresAt, ticket: ticket)
        return identity
    }

    /// Sign-out, users (roles, passwords, deletion), API keys and tenants.
    static func changesIdentities(_ path: String) -> Bool {
        path == "/api/v1/session" || path.contains("/users") || path.contains("/api-keys") || path.hasPrefix("/api/v1/tenants")
            && path.split(separator: "/").count <= 4
    }

    static func isUnsafe(_ method: HTTPMethod) -> Bool {
        !(method == .get || method == .head || method == .options)
    }

    static func isSignIn(_ request: HTTPRequest) -> Bool {
        request.method == .post && request.path == "/api/v1/session"
    }

    /// The credential of `Bearer <credential>` (scheme in any case), without the spaces and
    /// tabs around it; nil for another scheme or none.
    static func bearer(_ authorization: String) -> String? {
        let bytes = authorization.utf8
        guard bytes.count > 7, authorization.asciiCaseInsensitiveHasPrefix("bearer ") else { return nil }
        return String(Substring(trimmed(Substring(authorization).utf8.dropFirst(7))))
    }

    /// The value of the cookie `name` (the first, across `Cookie` headers), without the spaces
    /// and tabs around it.
    static func cookie(_ name: String, in headers: HTTPHeaders) -> String? {
        for header in headers.values("Cookie") {
            for pair in header.utf8.split(separator: UInt8(ascii: ";")) {
                guard let equals = pair.firstIndex(of: UInt8(ascii: "=")) else { continue }
                if trimmed(pair[pair.startIndex..<equals]).elementsEqual(name.utf8) {
                    let value = trimmed(pair[pair.index(after: equals)...])
                    guard !value.isEmpty else { continue }
                    return String(Substring(value))
                }
            }
        }
        return nil
    }

    private static func trimmed(_ bytes: Substring.UTF8View) -> Substring.UTF8View {
        var bytes = bytes
        while let first = bytes.first, first == 0x20 || first == 0x09 { bytes = bytes.dropFirst() }
        while let last = bytes.last, last == 0x20 || last == 0x09 { bytes = bytes.dropLast() }
        return bytes
    }
}
