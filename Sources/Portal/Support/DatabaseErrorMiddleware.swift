import HTTPServer
import Logging
import Postgres

/// Database failures as HTTP answers: an unreachable or exhausted database (or a statement
/// the server cancelled for running too long) is `503` with `Retry-After` (try again); a
/// unique violation no service mapped is `409` naming the field from the violated key; a
/// character the database cannot store is `422`; anything else that escaped a service a
/// `500` that reveals nothing of the SQL. The log keeps the details with the request ID.
struct DatabaseErrorMiddleware: HTTPMiddleware {
    let logger: Logger

    func handle(_ request: HTTPRequest, next: HTTPHandler) async throws -> HTTPResponse {
        do {
            return try await next(request)
        } catch let error as PostgresError {
            logger.error("database error", metadata: ["requestId": .string(request.requestID), "error": .string(error.debugDescription)])
            throw Self.answer(for: error, requestID: request.requestID)
        }
    }

    static func answer(for error: PostgresError, requestID: String) -> HTTPError {
        // The server shutting down or restarting (57P0x) is as unreachable as a refused connection.
        if error.isConnectionLoss || error.kind == .poolTimeout || error.kind == .poolClosed {
            return HTTPError(.serviceUnavailable, detail: "The database is not reachable right now; try again shortly.", headers: ["Retry-After": "5"])
        }
        switch error.sqlState {
        case "23505":
            let field = uniqueField(from: error.detail) ?? "body"
            return HTTPError(.conflict, detail: "Another item already uses this \(field).", errors: [.init(field: field, message: "is already in use")])
        case "40001", "40P01", "57014", "55P03":
            // Still conflicting after the retries, cancelled by statement_timeout, or lock not available.
            return HTTPError(.serviceUnavailable, detail: "The database is busy; try again shortly.", headers: ["Retry-After": "1"])
        case "22021", "22P05":
            return HTTPError(.unprocessableContent, detail: "The request holds a character that cannot be stored (such as NUL).")
        default:
            return HTTPError(.internalServerError, detail: "The server failed to answer; quote request ID \(requestID) when reporting it.")
        }
    }

    /// The API field of a unique key from PostgreSQL's detail, `Key (tenant_id, sip_username)=(…)
    /// already exists.` → `sipUsername` (the tenant column is the scope, not the field).
    static func uniqueField(from detail: String?) -> String? {
        guard let detail, let open = detail.firstIndex(of: "("), let close = detail[open...].firstIndex(of: ")") else { return nil }
        let columns = detail[detail.index(after: open)..<close].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let column = columns.last(where: { $0 != "tenant_id" }) ?? columns.last, !column.isEmpty,
              column.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else { return nil }
        let parts = column.lowercased().split(separator: "_")
        guard let first = parts.first else { return nil }
        return String(first) + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}
