import HTTPServer
import Logging
import Postgres

/// Database failures as HTTP answers: an unreachable or exhausted database is `503` with
/// `Retry-After` (try again), anything else that escaped a service a `500` that reveals
/// nothing of the SQL; the log keeps the details with the request ID.
struct DatabaseErrorMiddleware: HTTPMiddleware {
    let logger: Logger

    func handle(_ request: HTTPRequest, next: HTTPHandler) async throws -> HTTPResponse {
        do {
            return try await next(request)
        } catch let error as PostgresError {
            logger.error("database error", metadata: ["requestId": .string(request.requestID), "error": .string(error.debugDescription)])
            switch error.kind {
            case .connection, .poolTimeout, .poolClosed:
                throw HTTPError(.serviceUnavailable, detail: "The database is not reachable right now; try again shortly.",
                                headers: ["Retry-After": "5"])
            default:
                throw HTTPError(.internalServerError, detail: "The server failed to answer; quote request ID \(request.requestID) when reporting it.")
            }
        }
    }
}
