import Foundation
import Telephony

/// A time interval as the API shows it.
struct IntervalView: Codable, Sendable, Equatable {
    var id: String
    var ownerId: String
    var name: String
    var algorithm: String
    var timezone: String
    var startTime: String
    var endTime: String
    var startWeekday: String?
    var endWeekday: String?
    var startDay: Int
    var endDay: Int
    var months: [Int]
    var startDate: String?
    var endDate: String?
    var version: Int
    var createdAt: Date
    var updatedAt: Date
}

/// What a write sets: the owner, the name and the calendar rule.
struct IntervalFields: Sendable, Equatable {
    var ownerID: UUID
    var name: String
    var rule: CalendarInterval

    var auditValues: [String: AuditValue] {
        ["ownerId": .string(ownerID.lowercased), "name": .string(name), "algorithm": .string(rule.algorithm.rawValue),
         "timezone": .string(rule.timeZone), "startTime": .string(rule.startTime.description), "endTime": .string(rule.endTime.description),
         "startWeekday": rule.startWeekday.map { .string($0.rawValue) } ?? .null, "endWeekday": rule.endWeekday.map { .string($0.rawValue) } ?? .null,
         "startDay": .int(rule.startDay), "endDay": .int(rule.endDay), "months": .string(rule.months.map(String.init).joined(separator: ",")),
         "startDate": rule.startDate.map { .string($0.description) } ?? .null, "endDate": rule.endDate.map { .string($0.description) } ?? .null]
    }
}
