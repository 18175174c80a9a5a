import Foundation
import HTTPServer

/// `/api/v1/session` (sign in and out), `/api/v1/me` and `/api/v1/me/password`.
struct SessionRoutes: RouteCollection {
    let service: SessionService
    let users: UsersService

    /// `tenant` (the tenant's alias or ID) is optional: without it the username must name one
    /// account, alone or written `username@tenant`.
    struct Credentials: Decodable {
        var tenant: String?
        var username: String
        var password: String
    }

    struct SessionResponse: Encodable {
        var user: UserView
        var tenantId: String?
        var csrfToken: String
    }

    struct CSRFResponse: Encodable {
        var csrfToken: String
    }

    func register(on routes: RouteGroup) {
        routes.post("/session", maxBodyBytes: 4096) { request in
            let credentials = try request.decodeJSON(Credentials.self)
            let signedIn = try await service.signIn(tenant: credentials.tenant ?? "", username: credentials.username, password: credentials.password,
                                                    address: service.configuration.clientAddress(peer: request.remoteAddress,
                                                                                                  forwardedFor: request.headers["X-Forwarded-For"]))
            var headers: HTTPHeaders = ["Set-Cookie": service.cookie(for: signedIn.token, request: request), "Cache-Control": "no-store"]
            headers.add("Vary", "Cookie")
            return try .json(SessionResponse(user: signedIn.user, tenantId: signedIn.user.tenantId, csrfToken: signedIn.csrfToken),
                             headers: headers)
        }
        routes.delete("/session") { request in
            try await service.signOut(try request.identity())
            return HTTPResponse(status: .noContent, headers: ["Set-Cookie": service.cookie(for: nil, request: request)])
        }
        routes.light.get("/me") { request in
            let identity = try request.identity()
            let user = try await service.me(identity)
            var headers: HTTPHeaders = ["ETag": "\"\(user.version)\"", "Cache-Control": "no-store"]
            if case .session(_, let csrf) = identity.credential { headers["X-CSRF-Token"] = csrf }
            return try .json(user, headers: headers)
        }
        routes.patch("/me", maxBodyBytes: 16 * 1024) { request in
            let identity = try request.identity()
            guard let userID = identity.userID else { throw HTTPError(.forbidden, detail: "API keys act for a tenant, not for a user.") }
            guard let tenantID = identity.tenantID else {
                throw HTTPError(.forbidden, detail: "Platform operators change their details with `centralita user` on the server.")
            }
            let user = try await users.update(TenantContext(tenantID: tenantID, identity: identity), id: userID, request: request)
            return try .json(user, headers: ["ETag": Versioning.etag(user.version)])
        }
        routes.put("/me/password", maxBodyBytes: 4096) { request in
            let change = try request.decodeJSON(SessionService.PasswordChange.self)
            let signedIn = try await service.changePassword(change, identity: try request.identity())
            return try .json(CSRFResponse(csrfToken: signedIn.csrfToken),
                             headers: ["Set-Cookie": service.cookie(for: signedIn.token, request: request), "Cache-Control": "no-store"])
        }
    }
}
