import HTTPServer

/// Applies `RequestStrings` to what a request carries outside its body: a query parameter
/// with a NUL is 422 naming it; a path segment with one (`/users/%00`) names nothing that
/// exists, so it is 404.
struct RequestStringsMiddleware: HTTPMiddleware {
    func handle(_ request: HTTPRequest, next: HTTPHandler) async throws -> HTTPResponse {
        try RequestStrings.refuseNUL(inQueryOf: request)
        if request.parameters.values.contains(where: { $0.utf8.contains(0) }) { throw HTTPError(.notFound) }
        return try await next(request)
    }
}
