import HTTPServer
import Postgres

/// Turns a unique-constraint violation into a 409 naming the field, for the constraints a
/// write can hit. One place for what every resource's service needs.
enum UniqueConflicts {
    struct Conflict {
        var field: String
        var detail: String
        var message = "is already in use"
    }

    static func mapping<T>(_ constraints: [String: Conflict], _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PostgresError where error.isUniqueViolation {
            guard let constraint = error.constraint, let conflict = constraints[constraint] else { throw error }
            throw HTTPError(.conflict, detail: conflict.detail, errors: [.init(field: conflict.field, message: conflict.message)])
        }
    }
}
