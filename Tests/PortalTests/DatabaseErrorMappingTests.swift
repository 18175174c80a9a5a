import HTTPServer
@testable import Portal
import Postgres
import Testing

/// Database errors that escape a service still answer in the API's terms, never a bare 500.
@Suite struct DatabaseErrorMappingTests {
    @Test func aUniqueViolationNoServiceMappedIs409NamingTheField() {
        let error = PostgresError(.server, "duplicate key value violates unique constraint", sqlState: "23505",
                                  detail: "Key (tenant_id, sip_username)=(6c1d…, 123456789) already exists.", constraint: "extensions_sip_key")
        let answer = DatabaseErrorMiddleware.answer(for: error, requestID: "r1")
        #expect(answer.status == .conflict)
        #expect(answer.fieldErrors.map(\.field) == ["sipUsername"])
    }

    @Test func serializationFailuresLeftAfterRetriesAndCancelledStatementsAre503() {
        for state in ["40001", "40P01", "57014"] {
            let answer = DatabaseErrorMiddleware.answer(for: PostgresError(.server, "x", sqlState: state), requestID: "r")
            #expect(answer.status == .serviceUnavailable, "\(state)")
            #expect(answer.headers["Retry-After"] != nil)
        }
    }

    @Test func aServerShuttingDownOrALostConnectionIs503() {
        // 57P01: "terminating connection due to administrator command" (a fast shutdown), 57P03:
        // "the database system is starting up", 08006: connection failure.
        for state in ["57P01", "57P02", "57P03", "08006"] {
            let answer = DatabaseErrorMiddleware.answer(for: PostgresError(.server, "x", sqlState: state), requestID: "r")
            #expect(answer.status == .serviceUnavailable, "\(state)")
            #expect(answer.headers["Retry-After"] != nil)
        }
        #expect(DatabaseErrorMiddleware.answer(for: PostgresError(.connection, "lost"), requestID: "r").status == .serviceUnavailable)
    }

    @Test func textTheDatabaseCannotStoreIs422AndOtherErrorsRevealNothing() {
        #expect(DatabaseErrorMiddleware.answer(for: PostgresError(.server, "x", sqlState: "22P05"), requestID: "r").status == .unprocessableContent)
        let other = DatabaseErrorMiddleware.answer(for: PostgresError(.server, "relation \"secret\" does not exist", sqlState: "42P01"), requestID: "r9")
        #expect(other.status == .internalServerError)
        #expect(!other.detail.contains("secret"))
    }
}
