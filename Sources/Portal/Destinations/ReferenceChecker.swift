import Foundation
import HTTPServer
import Postgres
import Telephony

/// Checks every reference of an action list or a queue against the scoped tenant: destinations,
/// intervals, sounds and (within one IVR) contexts. The first dangling one is refused by field.
struct ReferenceChecker: Sendable {
    let destinations = DestinationChecker()
    let intervals = IntervalsRepository()

    func check(_ references: [(field: String, reference: MenuAction.Reference)], contextsOf ivr: UUID?,
               on connection: PostgresConnection) async throws {
        for (field, reference) in references {
            switch reference {
            case .destination(let destination):
                try await destinations.check(destination, field: field, on: connection)
            case .interval(let text):
                guard let id = UUID(uuidString: text), try await intervals.find(id, on: connection) != nil else {
                    throw HTTPError.validation(field: field, "is not an interval of this tenant")
                }
            case .sound(let id):
                try checkPrompt(id, field: field)
            case .context(let text):
                guard let ivr, let id = UUID(uuidString: text), try await IVRContextsRepository().find(id, ivr: ivr, on: connection) != nil else {
                    throw HTTPError.validation(field: field, "is not a context of this IVR")
                }
            }
        }
    }

    func checkPrompt(_ id: String, field: String) throws {
        guard SystemSounds.isPrompt(id) else { throw HTTPError.validation(field: field, "there is no such sound in this tenant") }
    }

    func checkHoldMusic(_ id: String, field: String) throws {
        guard SystemSounds.isHoldMusic(id) else { throw HTTPError.validation(field: field, "there is no such hold music in this tenant") }
    }
}
