public import Foundation

/// A named time interval (INT-1) — office hours, nights, a holiday — used by incoming-call
/// rules, IVR time routing and call flows (INT-2).
///
/// Two ways of reading weekdays and times, as the reference portal offers:
/// - `individualDays`: on each day from `startWeekday` to `endWeekday`, between `startTime`
///   and `endTime` (a time range may cross midnight: 22:00–06:00). This is what Asterisk's
///   `GotoIfTime` does.
/// - `continuous`: one span from `startWeekday startTime` to `endWeekday endTime`, e.g.
///   Friday 22:00 to Monday 06:00, weekend included.
///
/// End times are exclusive (09:00–18:00 is nine hours); start = end means the whole day (or
/// week). `startDay`/`endDay` limit the days of the month (1 and 31: every day; 25 and 5
/// wraps), `months` the months (empty: every month), and `startDate`/`endDate` (both or
/// neither) bound the interval to dates — how holidays are written. Everything is read on the
/// wall clock of `timeZone`, so it stays right across daylight-saving changes.
public struct CalendarInterval: Sendable, Equatable, Codable {
    public enum Algorithm: String, Sendable, Codable, CaseIterable {
        case individualDays, continuous
    }

    public var algorithm: Algorithm = .individualDays
    public var timeZone: String
    public var startTime: TimeOfDay
    public var endTime: TimeOfDay
    public var startWeekday: Weekday?
    public var endWeekday: Weekday?
    public var startDay: Int = 1
    public var endDay: Int = 31
    public var months: [Int] = []
    public var startDate: LocalDate?
    public var endDate: LocalDate?

    public init(algorithm: Algorithm = .individualDays, timeZone: String, startTime: TimeOfDay, endTime: TimeOfDay,
                startWeekday: Weekday? = nil, endWeekday: Weekday? = nil, startDay: Int = 1, endDay: Int = 31, months: [Int] = [],
                startDate: LocalDate? = nil, endDate: LocalDate? = nil) {
        self.algorithm = algorithm
        self.timeZone = timeZone
        self.startTime = startTime
        self.endTime = endTime
        self.startWeekday = startWeekday
        self.endWeekday = endWeekday
        self.startDay = startDay
        self.endDay = endDay
        self.months = months
        self.startDate = startDate
        self.endDate = endDate
    }

    /// Every rule the interval breaks, as (field, message).
    public func problems() -> [(field: String, message: String)] {
        var problems: [(String, String)] = []
        if TimeZone(identifier: timeZone) == nil { problems.append(("timezone", "must be an IANA time zone such as Europe/Madrid")) }
        if (startWeekday == nil) != (endWeekday == nil) {
            problems.append((startWeekday == nil ? "startWeekday" : "endWeekday", "give both weekdays or neither"))
        }
        if algorithm == .continuous && startWeekday == nil { problems.append(("startWeekday", "a continuous interval needs start and end weekdays")) }
        if !(1...31).contains(startDay) { problems.append(("startDay", "must be a day of the month, 1 to 31")) }
        if !(1...31).contains(endDay) { problems.append(("endDay", "must be a day of the month, 1 to 31")) }
        for month in months where !(1...12).contains(month) { problems.append(("months", "months are 1 to 12")) }
        if Set(months).count != months.count { problems.append(("months", "a month is listed twice")) }
        if (startDate == nil) != (endDate == nil) {
            problems.append((startDate == nil ? "startDate" : "endDate", "give both dates or neither"))
        }
        if let s = startDate, let e = endDate, e < s { problems.append(("endDate", "must not be before startDate")) }
        return problems
    }

    /// Whether the interval covers `instant`. False for an interval with problems.
    public func contains(_ instant: Date) -> Bool {
        guard let local = LocalTime(instant, timeZone: timeZone) else { return false }
        return contains(local)
    }

    /// Read straight from the fields, independently of `asteriskSpecs()` (a test checks that
    /// the two agree all year).
    public func contains(_ local: LocalTime) -> Bool {
        if let s = startDate, let e = endDate, local.date < s || e < local.date { return false }
        if !months.isEmpty && !months.contains(local.date.month) { return false }
        if !(startDay == 1 && endDay == 31) && !Self.cyclic(local.date.day, from: startDay, through: endDay) { return false }
        switch algorithm {
        case .individualDays:
            if let s = startWeekday, let e = endWeekday, !Self.cyclic(local.weekday.index, from: s.index, through: e.index) { return false }
            return Self.halfOpen(local.time.minutes, from: startTime.minutes, to: endTime.minutes)
        case .continuous:
            guard let s = startWeekday, let e = endWeekday else { return true }
            let minute = local.weekday.index * 1440 + local.time.minutes
            return Self.halfOpen(minute, from: s.index * 1440 + startTime.minutes, to: e.index * 1440 + endTime.minutes)
        }
    }

    /// `value` in start...end, wrapping past the top.
    static func cyclic(_ value: Int, from start: Int, through end: Int) -> Bool {
        start <= end ? (start...end).contains(value) : value >= start || value <= end
    }

    /// `value` in [start, end), wrapping; start = end covers everything.
    static func halfOpen(_ value: Int, from start: Int, to end: Int) -> Bool {
        if start == end { return true }
        return start < end ? (start..<end).contains(value) : value >= start || value < end
    }

    /// The `GotoIfTime` conditions whose union is this interval (the date bounds, which
    /// `GotoIfTime` cannot express, are checked separately by the dial plan).
    public func asteriskSpecs() -> [AsteriskTimeSpec] {
        let mdays: (Int, Int)? = (startDay == 1 && endDay == 31) ? nil : (startDay, endDay)
        func spec(_ minutes: (Int, Int)?, _ days: (Weekday, Weekday)?) -> AsteriskTimeSpec {
            AsteriskTimeSpec(minuteRange: minutes, weekdays: days, monthDays: mdays, months: months, timeZone: timeZone)
        }
        // Exclusive end → Asterisk's inclusive last minute.
        let lastMinute = (endTime.minutes + 1439) % 1440
        let weekdays = startWeekday.flatMap { s in endWeekday.map { (s, $0) } }
        switch algorithm {
        case .individualDays:
            let minutes: (Int, Int)? = startTime == endTime ? nil : (startTime.minutes, lastMinute)
            return [spec(minutes, weekdays)]
        case .continuous:
            guard let (sw, ew) = weekdays else { return [spec(nil, nil)] }
            if sw == ew && startTime == endTime { return [spec(nil, nil)] }
            if sw == ew && startTime < endTime { return [spec((startTime.minutes, lastMinute), (sw, sw))] }
            // From the start time to midnight, whole days in between, midnight to the end time.
            var specs = [spec(startTime.minutes == 0 ? nil : (startTime.minutes, 1439), (sw, sw))]
            let next = Weekday.allCases[(sw.index + 1) % 7]
            let previous = Weekday.allCases[(ew.index + 6) % 7]
            if next != ew { specs.append(spec(nil, (next, previous))) }
            if endTime.minutes > 0 { specs.append(spec((0, lastMinute), (ew, ew))) }
            return specs
        }
    }
}
