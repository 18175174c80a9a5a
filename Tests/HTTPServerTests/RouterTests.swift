import Testing
@testable import HTTPServer

@Suite struct RouterTests {
    func makeRouter() -> Router {
        let router = Router()
        let api = router.group("/api/v1")
        api.get("/tenants") { _ in .text("list") }
        api.post("/tenants", maxBodyBytes: 64) { _ in .text("create") }
        api.get("/tenants/{tenantId}") { r in .text("one \(r.parameters["tenantId"] ?? "")") }
        api.get("/tenants/{tenantId}/users/{id}") { _ in .text("user") }
        api.get("/tenants/me") { _ in .text("me") }
        router.group("").get("/assets/{path...}") { _ in .text("asset") }
        return router
    }

    @Test func literalSegmentsWinOverParameters() {
        guard case .found(let route, let parameters) = makeRouter().match(.get, path: "/api/v1/tenants/me") else {
            Issue.record("no match")
            return
        }
        #expect(route.template == "/api/v1/tenants/me")
        #expect(parameters.isEmpty)
    }

    @Test func parametersArePercentDecoded() {
        guard case .found(let route, let parameters) = makeRouter().match(.get, path: "/api/v1/tenants/a%20b/users/42") else {
            Issue.record("no match")
            return
        }
        #expect(route.template == "/api/v1/tenants/{tenantId}/users/{id}")
        #expect(parameters == ["tenantId": "a b", "id": "42"])
    }

    @Test func unknownPathIsNotFoundAndKnownPathWithOtherMethodIsNotAllowed() {
        let router = makeRouter()
        guard case .notFound = router.match(.get, path: "/api/v1/nothing") else {
            Issue.record("expected 404")
            return
        }
        guard case .methodNotAllowed(let allowed) = router.match(.delete, path: "/api/v1/tenants") else {
            Issue.record("expected 405")
            return
        }
        #expect(allowed.map(\.rawValue) == ["GET", "HEAD", "POST"])
    }

    @Test func headIsAnsweredByGet() {
        guard case .found(let route, _) = makeRouter().match(.head, path: "/api/v1/tenants") else {
            Issue.record("HEAD did not match GET")
            return
        }
        #expect(route.method == .get)
    }

    @Test func routeBodyLimitIsReported() {
        #expect(makeRouter().match(.post, path: "/api/v1/tenants").maxBodyBytes == 64)
    }

    @Test func catchAllTakesTheRestOfThePath() {
        guard case .found(_, let parameters) = makeRouter().match(.get, path: "/assets/js/app.js") else {
            Issue.record("no match")
            return
        }
        #expect(parameters["path"] == "js/app.js")
    }

    @Test func trailingSlashMatchesTheSameRoute() {
        guard case .found = makeRouter().match(.get, path: "/api/v1/tenants/") else {
            Issue.record("no match")
            return
        }
    }

    @Test func groupMiddlewareWrapsOnlyItsRoutes() async throws {
        struct Tag: HTTPMiddleware {
            func handle(_ request: HTTPRequest, next: HTTPHandler) async throws -> HTTPResponse {
                var response = try await next(request)
                response.headers["X-Tagged"] = "yes"
                return response
            }
        }
        let router = Router()
        router.group("/in", middleware: [Tag()]).get("/x") { _ in .text("x") }
        router.group("/out").get("/x") { _ in .text("x") }
        guard case .found(let inside, _) = router.match(.get, path: "/in/x"),
              case .found(let outside, _) = router.match(.get, path: "/out/x") else {
            Issue.record("no match")
            return
        }
        let request = HTTPRequest(method: .get, target: "/")
        #expect(try await inside.handler(request).headers["X-Tagged"] == "yes")
        #expect(try await outside.handler(request).headers["X-Tagged"] == nil)
    }

    @Test func everyRegisteredRouteIsListed() {
        #expect(makeRouter().routes.map { "\($0.method) \($0.template)" }.contains("POST /api/v1/tenants"))
    }
}
