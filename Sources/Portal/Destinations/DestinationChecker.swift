import Foundation
import HTTPServer
import Postgres
import Telephony

/// Checks that a destination refers to something that exists in the scoped tenant, and says
/// by field what it should have been. Rule groups do not exist yet, so they are refused too.
struct DestinationChecker: Sendable {
    let targets = DestinationTargetsRepository()

    func check(_ destination: Destination, field: String, on connection: PostgresConnection) async throws {
        if try await targets.exists(destination, on: connection) { return }
        let expected = switch destination {
        case .extensionTarget, .voicemail: "a phone extension"
        case .group: "an extension group"
        case .queue: "a queue"
        case .ivr: "an IVR"
        case .callFlow: "a call flow"
        case .ruleGroup, .external: "a \(destination.type)"
        }
        throw HTTPError.validation(field: "\(field).id", "is not \(expected) of this tenant")
    }
}
