import Foundation
import Postgres

/// A tenant as the API shows it (TEN-1).
struct TenantView: Codable, Sendable, Equatable {
    var id: String
    var name: String
    var alias: String?
    var status: String
    var timezone: String
    var language: String
    var contactEmail: String?
    /// CALL-1: the numbers an outgoing call may show, chosen with a trailing `c1`, `c2`, … (E.164).
    var outgoingCallerIds: [String]
    var maxExtensions: Int
    var maxSimultaneousCalls: Int
    var storageQuotaBytes: Int
    var plan: String
    var pendingPlan: String?
    var pendingPlanFrom: String?
    var version: Int
    var createdAt: Date
    var updatedAt: Date
}
