import Dialplan
import Foundation
@testable import Portal
import Telephony

/// The tenants the conformance scenarios call into. Phones have known SIP passwords (SIPp
/// registers with them) and short ring times, so that a scenario lasts seconds, not minutes.
enum ConformanceTenants {
    static let realm = "centralita"
    static let options = CompileOptions(sipRealm: realm, trunk: "centralita-trunk")

    /// The password a test phone registers with.
    static func password(_ sipUser: String) -> String { "pw-\(sipUser)" }

    static func phone(_ id: String, _ number: String, sip: String, owner: String, ring: Int = 4, voicemail: TenantSnapshot.Voicemail = .init(),
                      recording: TenantSnapshot.Recording = .init(), rules: [TenantSnapshot.Rule] = []) -> TenantSnapshot.Extension {
        .init(id: id, number: number, sipUsername: sip, ha1: Secrets.md5Hex("\(sip):\(realm):\(password(sip))"), ringSeconds: ring,
              ownerName: owner, voicemail: voicemail, recording: recording, rules: rules)
    }

    static func rule(_ n: Int, _ kind: IncomingRule.Kind, _ configure: (inout IncomingRule) -> Void = { _ in }) -> TenantSnapshot.Rule {
        var r = IncomingRule(kind: kind)
        configure(&r)
        return .init(id: "r\(n)-\(kind.rawValue)", position: n, rule: r)
    }

    static func madrid(_ text: String) -> Date {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "Europe/Madrid")
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f.date(from: text) ?? Date(timeIntervalSince1970: 0)
    }

    // Fixed instants (Madrid): a working Tuesday morning, a Saturday, Christmas Day.
    static let tuesdayMorning = madrid("2026-12-01 10:00")
    static let tuesdayNight = madrid("2026-12-01 22:00")
    static let saturday = madrid("2026-12-05 11:00")
    static let christmas = madrid("2026-12-25 10:00")

    // Around the clock changes (Europe/Madrid: summer time from 2026-03-29, winter from 10-25)
    // and the ends of the office-hours interval (09:00–18:00, Monday to Friday).
    static let springMondayOpen = madrid("2026-03-30 09:30")
    static let springMondayEarly = madrid("2026-03-30 08:30")
    static let autumnMondayOpen = madrid("2026-10-26 09:00")
    static let fridayLastMinute = madrid("2026-11-27 17:59")
    static let fridayClosing = madrid("2026-11-27 18:00")

    /// The same tenant switched off (TEN-1): every call is refused.
    static let rulesOff: TenantSnapshot = {
        var snapshot = rules
        snapshot.active = false
        return snapshot
    }()

    static let officeID = "int-office"
    static let holidaysID = "int-holidays"
    static let salesID = "grp-sales"

    /// Every rule kind, caller-ID condition, interval use and destination kind of EXT-4.
    static let rules: TenantSnapshot = {
        var snapshot = rulesWithoutCallerIDs
        // CALL-1: `c1` shows the Sales number on an outgoing call.
        snapshot.outgoingCallerIDs = ["+34910500002"]
        return snapshot
    }()

    static let rulesWithoutCallerIDs: TenantSnapshot = {
        var holidays = CalendarInterval(timeZone: "Europe/Madrid", startTime: .midnight, endTime: .midnight)
        holidays.startDate = LocalDate("2026-12-24")
        holidays.endDate = LocalDate("2026-12-26")
        let office = CalendarInterval(timeZone: "Europe/Madrid", startTime: TimeOfDay("09:00") ?? .midnight, endTime: TimeOfDay("18:00") ?? .midnight,
                                      startWeekday: .monday, endWeekday: .friday)
        let ana = phone("e2001", "2001", sip: "500000001", owner: "Ana Pérez",
                        voicemail: .init(enabled: true, pin: "1234", answerAfterSeconds: 4, exitToExtensionID: "e2002"), rules: [
            rule(1, .hangup) { $0.callerId = .init(match: .equals, number: "+34600000666") },
            rule(2, .transfer) { $0.intervalId = holidaysID; $0.destination = .voicemail(extensionID: "e2001"); $0.extensionState = .any; $0.callState = .any },
            rule(3, .cascade) {
                $0.intervalId = officeID; $0.keypadCode = 3; $0.continue = true; $0.totalSeconds = 6
                $0.steps = [.init(destination: .extensionTarget(id: "e2001"), afterSeconds: 0),
                            .init(destination: .group(id: salesID), afterSeconds: 2),
                            .init(destination: .external(number: "+34699111222"), afterSeconds: 3)]
            },
            rule(4, .busy) { $0.destination = .extensionTarget(id: "e2003") },
        ])
        let bruno = phone("e2002", "2002", sip: "500000002", owner: "Bruno Díaz", rules: [
            rule(1, .identify) { $0.callerId = .init(match: .anonymous); $0.password = "4321"; $0.destination = .extensionTarget(id: "e2003") },
            rule(2, .transfer) { $0.extensionState = .registered; $0.callState = .noAnswer; $0.destination = .external(number: "+34911222333") },
        ])
        let carla = phone("e2003", "2003", sip: "500000003", owner: "Carla Gil",
                          voicemail: .init(enabled: true, pin: "9999", answerAfterSeconds: 4),
                          recording: .init(enabled: true, start: .always, announce: true))
        let dario = phone("e2004", "2004", sip: "500000004", owner: "Darío López", rules: [
            rule(1, .congestion) { $0.callerId = .init(match: .notEquals, number: "+34911000000"); $0.keypadCode = 5 },
            rule(2, .transfer) { $0.extensionState = .unregistered; $0.callState = .any; $0.destination = .voicemail(extensionID: "e2003") },
        ])
        let eva = phone("e2005", "2005", sip: "500000005", owner: "Eva Ruiz", recording: .init(enabled: true, start: .onDemand), rules: [
            rule(1, .busy) { $0.callerId = .init(match: .equals, number: "+34611111111") },
            rule(2, .transfer) { $0.intervalId = officeID; $0.extensionState = .any; $0.callState = .busy; $0.destination = .extensionTarget(id: "e2004") },
        ])
        let fede = phone("e2006", "2006", sip: "500000006", owner: "Fede Sanz", rules: [
            rule(1, .cascade) {
                $0.totalSeconds = 5
                $0.steps = [.init(destination: .extensionTarget(id: "e2006"), afterSeconds: 0),
                            .init(destination: .extensionTarget(id: "e2005"), afterSeconds: 0)]
            },
            rule(2, .transfer) { $0.extensionState = .any; $0.callState = .noAnswer; $0.destination = .voicemail(extensionID: "e2003") },
        ])
        // Two extensions that send every call to each other: the loop limit ends it.
        let gil = phone("e2007", "2007", sip: "500000007", owner: "Gil Mora", rules: [
            rule(1, .transfer) { $0.extensionState = .any; $0.callState = .any; $0.destination = .extensionTarget(id: "e2008") },
        ])
        let hugo = phone("e2008", "2008", sip: "500000008", owner: "Hugo Vila", rules: [
            rule(1, .transfer) { $0.extensionState = .any; $0.callState = .any; $0.destination = .extensionTarget(id: "e2007") },
        ])
        return TenantSnapshot(
            tenantID: "00000000-0000-0000-0000-000000000501", key: 501, name: "Conformance Rules", revision: 1,
            extensions: [ana, bruno, carla, dario, eva, fede, gil, hugo],
            intervals: [.init(id: officeID, name: "Office hours", interval: office), .init(id: holidaysID, name: "Holidays", interval: holidays)],
            groups: [.init(id: salesID, name: "Sales", memberIDs: ["e2002", "e2003"])],
            publicNumbers: [
                .init(id: "n1", number: "+34910500001", destination: .extensionTarget(id: "e2001")),
                .init(id: "n2", number: "+34910500002", destination: .group(id: salesID)),
                .init(id: "n3", number: "+34910500003", destination: .voicemail(extensionID: "e2003")),
                .init(id: "n4", number: "+34910500004", destination: .external(number: "+34600123456")),
                .init(id: "n5", number: "+34910500005", destination: .extensionTarget(id: "e2002")),
                .init(id: "n6", number: "+34910500006", destination: .extensionTarget(id: "e2004")),
                .init(id: "n7", number: "+34910500007", destination: .extensionTarget(id: "e2005")),
                .init(id: "n8", number: "+34910500008", destination: .extensionTarget(id: "e2006")),
                .init(id: "n9", number: "+34910500009", destination: nil),
                .init(id: "n10", number: "+34910500010", destination: .extensionTarget(id: "e2007")),
            ])
    }()
}
