import Foundation
import HTTPServer
import Postgres
import Telephony

/// Checks that a destination refers to something that exists in the scoped tenant. Kinds of
/// destination whose objects do not exist yet (queues, IVRs, rule groups, call flows arrive
/// with their features) refer to nothing, so they are refused the same way.
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
        default:
            throw HTTPError.validation(field: "\(field).id", "there is no such \(destination.type) in this tenant")
        }
    }
}
