/// One `GotoIfTime` condition — `times,weekdays,mdays,months,timezone` — and its exact
/// meaning, mirroring Asterisk's `ast_check_timing2`: every field is checked on its own
/// against the local wall clock; ranges are cyclic and include both ends, down to the minute
/// (`09:00-17:59` ends at 17:59:59).
public struct AsteriskTimeSpec: Sendable, Equatable, CustomStringConvertible {
    /// Minutes of the day, both included and possibly wrapping midnight; nil for `*`.
    public var minuteRange: (start: Int, end: Int)?
    public var weekdays: (start: Weekday, end: Weekday)?
    public var monthDays: (start: Int, end: Int)?
    /// Months 1...12; empty means every month.
    public var months: [Int]
    public var timeZone: String

    public init(minuteRange: (start: Int, end: Int)?, weekdays: (start: Weekday, end: Weekday)?, monthDays: (start: Int, end: Int)?,
                months: [Int], timeZone: String) {
        self.minuteRange = minuteRange
        self.weekdays = weekdays
        self.monthDays = monthDays
        self.months = months
        self.timeZone = timeZone
    }

    public static func == (a: AsteriskTimeSpec, b: AsteriskTimeSpec) -> Bool { a.description == b.description }

    /// The argument text for `GotoIfTime(…)`.
    public var description: String {
        let clock = { (m: Int) in TimeOfDay(minutes: m)?.description ?? "00:00" }
        let times = minuteRange.map { "\(clock($0.start))-\(clock($0.end))" } ?? "*"
        let days = weekdays.map { $0.start == $0.end ? $0.start.asteriskName : "\($0.start.asteriskName)-\($0.end.asteriskName)" } ?? "*"
        let mdays = monthDays.map { $0.start == $0.end ? "\($0.start)" : "\($0.start)-\($0.end)" } ?? "*"
        let names = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        let months = self.months.isEmpty ? "*" : self.months.sorted().map { names[$0 - 1] }.joined(separator: "&")
        return "\(times),\(days),\(mdays),\(months),\(timeZone)"
    }

    /// What Asterisk would decide at this wall-clock time.
    public func matches(_ local: LocalTime) -> Bool {
        if !months.isEmpty && !months.contains(local.date.month) { return false }
        if let (s, e) = monthDays, !Self.cyclic(local.date.day, s, e) { return false }
        if let (s, e) = weekdays, !Self.cyclic(local.weekday.index, s.index, e.index) { return false }
        if let (s, e) = minuteRange, !Self.cyclic(local.time.minutes, s, e) { return false }
        return true
    }

    /// `value` in the cyclic inclusive range start...end.
    static func cyclic(_ value: Int, _ start: Int, _ end: Int) -> Bool {
        start <= end ? (start...end).contains(value) : value >= start || value <= end
    }
}
