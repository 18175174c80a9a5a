/// What handlers and middleware of this library read from a parsed request, run on fuzzed
/// requests (`ParserFuzzing`): query items, percent decoding, request IDs, list headers,
/// `Accept-Encoding`, `Range` and `If-None-Match`, and the router's matching of the path. Each
/// result is checked against what it promises where that is cheap to state.
enum RequestInspection {
    /// Templates shaped like the portal's (literals, parameters, a catch-all), with route body
    /// limits, so that matching and per-route limits are exercised.
    static let router: Router = {
        let router = Router()
        let api = router.group("/api/v1")
        let handler: HTTPHandler = { _ in HTTPResponse(status: .noContent) }
        api.get("/tenants/{tenantId}/extensions", handler)
        api.post("/tenants/{tenantId}/extensions", maxBodyBytes: 1024, handler)
        api.patch("/tenants/{tenantId}/extensions/{id}", maxBodyBytes: 40, handler)
        api.get("/tenants/{tenantId}/extensions/{id}", handler)
        api.put("/tenants/{tenantId}/ivrs/{ivrId}/contexts/{contextId}/options/{option}", maxBodyBytes: 16 * 1024, handler)
        api.post("/session", maxBodyBytes: 4 * 1024, handler)
        api.get("/me", handler)
        router.group("/").get("/static/{path...}", handler)
        router.group("/").get("/healthz", handler)
        return router
    }()

    static func problems(_ request: HTTPRequest) -> [String] {
        var problems: [String] = []
        if request.target != (request.query.map { request.path + "?" + $0 } ?? request.path) {
            problems.append("path and query do not rebuild the target")
        }
        for item in request.queryItems where item.name.isEmpty && item.value.isEmpty && request.query?.contains("=") == false {
            problems.append("an empty query item from a query without one")
        }
        _ = request.queryValue("q")
        if !RequestID.isSane(request.requestID) { problems.append("request ID \(request.requestID.debugDescription) is not sane") }
        problems += decodingProblems(request.path)
        _ = request.headers.tokens("Connection")
        _ = CompressionMiddleware.acceptsGzip(request.headers)
        problems += rangeProblems(request)
        if let tag = request.headers["If-None-Match"] {
            _ = FileResponse.matches(tag, etag: "W/\"1f-5\"")
        }
        _ = MediaType.forPath(request.path)
        problems += routeProblems(request)
        return problems
    }

    /// Decoding is the inverse of encoding: what decodes, re-encoded and decoded again, is
    /// the same text.
    static func decodingProblems(_ text: String) -> [String] {
        for plus in [false, true] {
            guard let decoded = PercentDecoding.decode(text, plusIsSpace: plus) else { continue }
            let encoded = decoded.utf8.map { byte -> String in
                let hex = String(byte, radix: 16, uppercase: true)
                return "%" + (hex.count == 1 ? "0" + hex : hex)
            }.joined()
            if PercentDecoding.decode(encoded) != decoded { return ["percent decoding of \(text.debugDescription) does not round-trip"] }
        }
        return []
    }

    /// A satisfiable range lies inside the file, for sizes around the numbers in the header.
    static func rangeProblems(_ request: HTTPRequest) -> [String] {
        guard let header = request.headers["Range"] else { return [] }
        var problems: [String] = []
        for size in [0, 1, 7, 1 << 20, Int.max] {
            if case .range(let r) = ByteRange.parse(header, size: size), r.lowerBound < 0 || r.upperBound >= size {
                problems.append("range \(r) of \(header.debugDescription) outside a file of \(size) bytes")
            }
        }
        return problems
    }

    /// A found route's parameters are non-empty (a catch-all's aside).
    static func routeProblems(_ request: HTTPRequest) -> [String] {
        guard case .found(let route, let parameters) = router.match(request.method, path: request.path) else { return [] }
        for (name, value) in parameters where !route.template.contains("{\(name)...}") && value.isEmpty {
            return ["parameter \(name) of \(route.template) is empty"]
        }
        return []
    }
}
