import Foundation
import Testing
@testable import Telephony

/// INT-1: `contains` on the tenant's wall clock, across daylight-saving changes and for ranges
/// that wrap, and its agreement with Asterisk's `GotoIfTime` conditions.
@Suite struct CalendarIntervalTests {
    /// An instant given in UTC.
    func utc(_ text: String) -> Date {
        let f = ISO8601DateFormatter()
        return f.date(from: text)!
    }

    func time(_ text: String) -> TimeOfDay { TimeOfDay(text)! }

    var officeHoursMadrid: CalendarInterval {
        CalendarInterval(timeZone: "Europe/Madrid", startTime: time("09:00"), endTime: time("18:00"),
                         startWeekday: .monday, endWeekday: .friday)
    }

    @Test func officeHoursFollowTheWallClockInWinterAndSummer() {
        let office = officeHoursMadrid
        // Winter (UTC+1): 07:30Z is 08:30 local, 08:30Z is 09:30 local.
        #expect(!office.contains(utc("2026-01-14T07:30:00Z")))
        #expect(office.contains(utc("2026-01-14T08:30:00Z")))
        // Summer (UTC+2): 07:30Z is already 09:30 local.
        #expect(office.contains(utc("2026-07-15T07:30:00Z")))
        #expect(!office.contains(utc("2026-07-15T16:00:00Z")), "18:00 local: the end is exclusive")
        #expect(office.contains(utc("2026-07-15T15:59:00Z")))
        #expect(!office.contains(utc("2026-07-18T10:00:00Z")), "Saturday")
    }

    @Test func theSkippedHourOfSpringNeverMatchesAndTheRepeatedHourOfAutumnMatchesTwice() {
        let twoToThree = CalendarInterval(timeZone: "Europe/Madrid", startTime: time("02:00"), endTime: time("03:00"))
        // 2026-03-29: clocks jump from 02:00 CET to 03:00 CEST at 01:00Z.
        #expect(!twoToThree.contains(utc("2026-03-29T00:59:00Z")), "01:59 CET")
        #expect(!twoToThree.contains(utc("2026-03-29T01:00:00Z")), "03:00 CEST")
        // 2026-10-25: 02:00–03:00 happens twice, at 00:00Z (CEST) and 01:00Z (CET).
        #expect(twoToThree.contains(utc("2026-10-25T00:30:00Z")))
        #expect(twoToThree.contains(utc("2026-10-25T01:30:00Z")))
        #expect(!twoToThree.contains(utc("2026-10-25T02:00:00Z")), "03:00 CET")
    }

    @Test func buenosAiresHasNoDaylightSaving() {
        let morning = CalendarInterval(timeZone: "America/Argentina/Buenos_Aires", startTime: time("08:00"), endTime: time("12:00"))
        #expect(morning.contains(utc("2026-01-14T11:00:00Z")), "08:00 local in summer")
        #expect(morning.contains(utc("2026-07-14T11:00:00Z")), "08:00 local in winter")
        #expect(!morning.contains(utc("2026-07-14T10:59:00Z")))
        #expect(!morning.contains(utc("2026-07-14T15:00:00Z")))
    }

    @Test func aNightRangeWrapsMidnight() {
        let night = CalendarInterval(timeZone: "UTC", startTime: time("22:00"), endTime: time("06:00"))
        #expect(night.contains(utc("2026-05-05T23:00:00Z")))
        #expect(night.contains(utc("2026-05-05T05:59:00Z")))
        #expect(!night.contains(utc("2026-05-05T06:00:00Z")))
        #expect(!night.contains(utc("2026-05-05T21:59:00Z")))
        #expect(night.contains(utc("2026-05-05T22:00:00Z")))
    }

    @Test func aContinuousWeekendRunsFromFridayNightToMondayMorning() {
        let weekend = CalendarInterval(algorithm: .continuous, timeZone: "UTC", startTime: time("22:00"), endTime: time("06:00"),
                                       startWeekday: .friday, endWeekday: .monday)
        // 2026-05-08 is a Friday.
        #expect(!weekend.contains(utc("2026-05-08T21:59:00Z")))
        #expect(weekend.contains(utc("2026-05-08T22:00:00Z")))
        #expect(weekend.contains(utc("2026-05-09T12:00:00Z")), "Saturday noon")
        #expect(weekend.contains(utc("2026-05-10T12:00:00Z")), "Sunday noon")
        #expect(weekend.contains(utc("2026-05-11T05:59:00Z")))
        #expect(!weekend.contains(utc("2026-05-11T06:00:00Z")))
        #expect(!weekend.contains(utc("2026-05-13T12:00:00Z")), "Wednesday")
    }

    @Test func individualDaysReadTheSameFieldsDayByDay() {
        let nights = CalendarInterval(timeZone: "UTC", startTime: time("22:00"), endTime: time("06:00"), startWeekday: .friday, endWeekday: .monday)
        #expect(!nights.contains(utc("2026-05-09T12:00:00Z")), "Saturday noon is not a night")
        #expect(nights.contains(utc("2026-05-09T23:00:00Z")))
        #expect(nights.contains(utc("2026-05-08T03:00:00Z")), "Friday 03:00, as GotoIfTime reads it")
        #expect(!nights.contains(utc("2026-05-12T23:00:00Z")), "Tuesday night")
    }

    @Test func dayOfMonthAndMonthRangesWrap() {
        let turnOfMonth = CalendarInterval(timeZone: "UTC", startTime: time("00:00"), endTime: time("00:00"), startDay: 25, endDay: 5)
        #expect(turnOfMonth.contains(utc("2026-03-27T10:00:00Z")))
        #expect(turnOfMonth.contains(utc("2026-04-03T10:00:00Z")))
        #expect(!turnOfMonth.contains(utc("2026-04-15T10:00:00Z")))
        let winter = CalendarInterval(timeZone: "Europe/Madrid", startTime: time("00:00"), endTime: time("00:00"), months: [12, 1])
        #expect(winter.contains(utc("2026-12-31T22:59:00Z")), "23:59 on 31 December in Madrid")
        #expect(winter.contains(utc("2026-12-31T23:30:00Z")), "already 1 January in Madrid")
        #expect(!winter.contains(utc("2026-02-01T00:00:00Z")))
    }

    @Test func holidaysAreBoundedByDates() {
        let christmas = CalendarInterval(timeZone: "Europe/Madrid", startTime: time("00:00"), endTime: time("00:00"),
                                         startDate: LocalDate("2026-12-24"), endDate: LocalDate("2026-12-26"))
        #expect(christmas.contains(utc("2026-12-23T23:30:00Z")), "00:30 on the 24th in Madrid")
        #expect(christmas.contains(utc("2026-12-26T22:59:00Z")))
        #expect(!christmas.contains(utc("2026-12-26T23:00:00Z")), "the 27th in Madrid")
        #expect(!christmas.contains(utc("2027-12-25T12:00:00Z")), "another year")
    }

    @Test func asteriskConditionsAreWrittenAsGotoIfTimeExpects() {
        #expect(officeHoursMadrid.asteriskSpecs().map(\.description) == ["09:00-17:59,mon-fri,*,*,Europe/Madrid"])
        let weekend = CalendarInterval(algorithm: .continuous, timeZone: "UTC", startTime: time("22:00"), endTime: time("06:00"),
                                       startWeekday: .friday, endWeekday: .monday)
        #expect(weekend.asteriskSpecs().map(\.description) == ["22:00-23:59,fri,*,*,UTC", "*,sat-sun,*,*,UTC", "00:00-05:59,mon,*,*,UTC"])
        let wrapped = CalendarInterval(timeZone: "UTC", startTime: time("00:00"), endTime: time("00:00"), startDay: 25, endDay: 5, months: [12, 1])
        #expect(wrapped.asteriskSpecs().map(\.description) == ["*,*,25-5,jan&dec,UTC"])
    }

    /// The interval (read from its fields) and the GotoIfTime conditions it compiles to (read
    /// as Asterisk does) agree on every quarter hour of a year, in two time zones and for every
    /// shape of interval.
    @Test(arguments: ["Europe/Madrid", "America/Argentina/Buenos_Aires"])
    func containsAgreesWithTheAsteriskConditionsAllYear(zone: String) {
        let intervals = [
            CalendarInterval(timeZone: zone, startTime: time("09:00"), endTime: time("18:00"), startWeekday: .monday, endWeekday: .friday),
            CalendarInterval(algorithm: .continuous, timeZone: zone, startTime: time("22:00"), endTime: time("06:00"), startWeekday: .friday, endWeekday: .monday),
            CalendarInterval(algorithm: .continuous, timeZone: zone, startTime: time("18:00"), endTime: time("08:00"), startWeekday: .wednesday, endWeekday: .wednesday),
            CalendarInterval(algorithm: .continuous, timeZone: zone, startTime: time("00:00"), endTime: time("00:00"), startWeekday: .saturday, endWeekday: .sunday),
            CalendarInterval(timeZone: zone, startTime: time("20:00"), endTime: time("07:30"), startDay: 28, endDay: 3, months: [11, 12, 1]),
            CalendarInterval(timeZone: zone, startTime: time("00:00"), endTime: time("00:00"), startWeekday: .saturday, endWeekday: .tuesday),
            CalendarInterval(timeZone: zone, startTime: time("13:00"), endTime: time("00:00"), startWeekday: .sunday, endWeekday: .sunday),
        ]
        var instant = utc("2026-01-01T00:00:00Z")
        let end = utc("2027-01-01T00:00:00Z")
        var checked = 0
        while instant < end {
            guard let local = LocalTime(instant, timeZone: zone) else { Issue.record("no local time"); return }
            for interval in intervals {
                let expected = interval.asteriskSpecs().contains { $0.matches(local) }
                if interval.contains(instant) != expected {
                    Issue.record("\(interval.asteriskSpecs()) disagrees at \(instant)")
                    return
                }
            }
            checked += 1
            instant += 15 * 60
        }
        #expect(checked == 365 * 96)
    }

    @Test func continuousSpansMatchAMinuteByMinuteDefinition() {
        // Reference: the span as week-minutes, start inclusive, end exclusive, wrapping the week.
        let shapes: [(Weekday, String, Weekday, String)] = [(.friday, "22:00", .monday, "06:00"), (.wednesday, "18:00", .wednesday, "08:00"),
                                                            (.sunday, "23:30", .monday, "00:30"), (.tuesday, "00:00", .thursday, "00:00")]
        for (sw, st, ew, et) in shapes {
            let interval = CalendarInterval(algorithm: .continuous, timeZone: "UTC", startTime: time(st), endTime: time(et), startWeekday: sw, endWeekday: ew)
            let start = sw.index * 1440 + time(st).minutes
            let end = ew.index * 1440 + time(et).minutes
            for weekMinute in stride(from: 0, to: 7 * 1440, by: 10) {
                let local = LocalTime(date: LocalDate("2026-05-04")!, weekday: Weekday.allCases[weekMinute / 1440],
                                      time: TimeOfDay(minutes: weekMinute % 1440)!)
                let inSpan = start < end ? (start..<end).contains(weekMinute) : (weekMinute >= start || weekMinute < end)
                #expect(interval.contains(local) == inSpan, "\(sw) \(st) → \(ew) \(et) at week minute \(weekMinute)")
            }
        }
    }

    @Test func everyBrokenRuleIsNamed() {
        let broken = CalendarInterval(algorithm: .continuous, timeZone: "Mars/Olympus", startTime: time("09:00"), endTime: time("10:00"),
                                      startDay: 0, endDay: 32, months: [13, 1, 1], startDate: LocalDate("2026-05-02"), endDate: LocalDate("2026-05-01"))
        let fields = Set(broken.problems().map(\.field))
        #expect(fields == ["timezone", "startWeekday", "startDay", "endDay", "months", "endDate"])
        #expect(officeHoursMadrid.problems().isEmpty)
        #expect(TimeOfDay("24:00") == nil && TimeOfDay("9:00") == nil && TimeOfDay("09:60") == nil)
        #expect(LocalDate("2026-02-29") == nil && LocalDate("2028-02-29") != nil)
    }
}
