import Foundation
import HTTPServer
import Postgres
import Telephony

/// Checks that a destination refers to something that exists in the scoped tenant. Rule groups
/// do not exist yet, so they refer to nothing and are refused the same way.
struct DestinationChecker: Sendable {
    func check(_ destination: Destination, field: String, on connection: PostgresConnection) async throws {
        switch destination {
        case .external:
            return
        case .extensionTarget(let id), .voicemail(let id):
            if let uuid = UUID(uuidString: id),
               try await connection.query("SELECT 1 AS found FROM extensions WHERE id = \(uuid) AND kind = 'phone'").first != nil {
                return
            }
            throw HTTPError.validation(field: "\(field).id", "is not a phone extension of this tenant")
        case .group(let id):
            if let uuid = UUID(uuidString: id), try await connection.query("SELECT 1 AS found FROM extension_groups WHERE id = \(uuid)").first != nil {
                return
            }
            throw HTTPError.validation(field: "\(field).id", "is not an extension group of this tenant")
        case .queue(let id), .ivr(let id):
            let kind = destination.type
            if let uuid = UUID(uuidString: id),
               try await connection.query("SELECT 1 AS found FROM extensions WHERE id = \(uuid) AND kind = \(kind)").first != nil {
                return
            }
            throw HTTPError.validation(field: "\(field).id", "is not \(kind == "ivr" ? "an IVR" : "a queue") of this tenant")
        case .callFlow(let id):
            if let uuid = UUID(uuidString: id), try await connection.query("SELECT 1 AS found FROM call_flows WHERE id = \(uuid)").first != nil {
                return
            }
            throw HTTPError.validation(field: "\(field).id", "is not a call flow of this tenant")
        case .ruleGroup:
            throw HTTPError.validation(field: "\(field).id", "there is no such \(destination.type) in this tenant")
        }
    }
}
