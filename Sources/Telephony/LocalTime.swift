public import Foundation

/// An instant as a wall clock in some time zone shows it — what both the portal's rules and
/// Asterisk's `GotoIfTime` compare against. Daylight-saving changes are the time zone
/// database's business: a skipped hour never appears, a repeated hour appears twice.
public struct LocalTime: Sendable, Equatable {
    public var date: LocalDate
    public var weekday: Weekday
    public var time: TimeOfDay

    public init(date: LocalDate, weekday: Weekday, time: TimeOfDay) {
        self.date = date
        self.weekday = weekday
        self.time = time
    }

    /// nil when `timeZone` is not an IANA zone.
    public init?(_ instant: Date, timeZone identifier: String) {
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day, .weekday, .hour, .minute], from: instant)
        guard let year = c.year, let month = c.month, let day = c.day, let wd = c.weekday, let hour = c.hour, let minute = c.minute,
              let date = LocalDate(year: year, month: month, day: day), let weekday = Weekday(calendarWeekday: wd),
              let time = TimeOfDay(hour: hour, minute: minute) else { return nil }
        self.init(date: date, weekday: weekday, time: time)
    }
}
