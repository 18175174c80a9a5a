import Foundation
import Telephony
@testable import Dialplan

/// A tenant that uses every feature the compiler covers, with fixed IDs so output is stable.
enum Fixtures {
    static let office = "00000000-0000-0000-0000-0000000000a1"
    static let christmas = "00000000-0000-0000-0000-0000000000a2"
    static let ana = "00000000-0000-0000-0000-000000001001"
    static let bruno = "00000000-0000-0000-0000-000000001002"
    static let carla = "00000000-0000-0000-0000-000000001003"
    static let dario = "00000000-0000-0000-0000-000000001004"
    static let sales = "00000000-0000-0000-0000-0000000000b1"

    static func rule(_ kind: IncomingRule.Kind, _ configure: (inout IncomingRule) -> Void = { _ in }) -> IncomingRule {
        var r = IncomingRule(kind: kind)
        configure(&r)
        return r
    }

    static func ha1(_ n: Int) -> String { String(repeating: String(n % 10), count: 32) }

    static var rich: TenantSnapshot {
        let officeHours = CalendarInterval(timeZone: "Europe/Madrid", startTime: TimeOfDay("09:00")!, endTime: TimeOfDay("18:00")!,
                                           startWeekday: .monday, endWeekday: .friday)
        var holidays = CalendarInterval(timeZone: "Europe/Madrid", startTime: .midnight, endTime: .midnight)
        holidays.startDate = LocalDate("2026-12-24")
        holidays.endDate = LocalDate("2026-12-26")

        let ana = TenantSnapshot.Extension(
            id: Fixtures.ana, number: "1001", sipUsername: "100000001", ha1: ha1(1), ringSeconds: 20, ownerName: "Ana Pérez",
            email: "ana@acme.example", language: "es",
            voicemail: .init(enabled: true, pin: "1234", notify: .attach, answerAfterSeconds: 15, exitToExtensionID: Fixtures.bruno),
            recording: .init(enabled: true, start: .onDemand),
            rules: [
                .init(id: "r-ana-1", position: 1, rule: rule(.hangup) { $0.callerId = .init(match: .equals, number: "+34600000666") }),
                .init(id: "r-ana-2", position: 2, rule: rule(.transfer) {
                    $0.intervalId = christmas; $0.destination = .voicemail(extensionID: Fixtures.ana); $0.extensionState = .any; $0.callState = .any
                }),
                .init(id: "r-ana-3", position: 3, rule: rule(.cascade) {
                    $0.intervalId = office; $0.keypadCode = 3; $0.continue = true; $0.totalSeconds = 30
                    $0.steps = [.init(destination: .extensionTarget(id: Fixtures.ana), afterSeconds: 0),
                                .init(destination: .group(id: sales), afterSeconds: 5),
                                .init(destination: .external(number: "+34699111222"), afterSeconds: 10)]
                }),
                .init(id: "r-ana-4", position: 4, rule: rule(.busy) { $0.destination = .extensionTarget(id: Fixtures.carla) }),
            ])
        let bruno = TenantSnapshot.Extension(
            id: Fixtures.bruno, number: "1002", sipUsername: "100000002", ha1: ha1(2), ringSeconds: 25, ownerName: "Bruno Díaz", language: "en",
            rules: [
                .init(id: "r-bruno-1", position: 1, rule: rule(.identify) {
                    $0.callerId = .init(match: .anonymous); $0.password = "4321"; $0.destination = .extensionTarget(id: Fixtures.carla)
                }),
                .init(id: "r-bruno-2", position: 2, rule: rule(.transfer) {
                    $0.extensionState = .registered; $0.callState = .noAnswer; $0.destination = .external(number: "+34911222333")
                }),
            ])
        let carla = TenantSnapshot.Extension(
            id: Fixtures.carla, number: "1003", name: "Reception", sipUsername: "100000003", ha1: ha1(3), ownerName: "Carla Gil",
            voicemail: .init(enabled: true, pin: "9", notify: .none, answerAfterSeconds: 20),
            recording: .init(enabled: true, start: .always, announce: true))
        let dario = TenantSnapshot.Extension(
            id: Fixtures.dario, number: "1004", sipUsername: "100000004", ha1: ha1(4), ownerName: "Darío \"DJ\" López, Jr.",
            rules: [
                .init(id: "r-dario-1", position: 1, rule: rule(.congestion) {
                    $0.callerId = .init(match: .notEquals, number: "+34911000000"); $0.keypadCode = 5
                }),
                .init(id: "r-dario-2", position: 2, rule: rule(.transfer) {
                    $0.extensionState = .unregistered; $0.callState = .any; $0.destination = .voicemail(extensionID: Fixtures.carla)
                }),
            ])
        return TenantSnapshot(
            tenantID: "00000000-0000-0000-0000-00000000000t", key: 7, name: "Acme Ibérica", revision: 12,
            extensions: [dario, carla, bruno, ana],
            intervals: [.init(id: office, name: "Office hours", interval: officeHours), .init(id: christmas, name: "Christmas", interval: holidays)],
            groups: [.init(id: sales, name: "Sales", memberIDs: [Fixtures.bruno, Fixtures.carla])],
            publicNumbers: [
                .init(id: "n5", number: "+34910000005", destination: nil),
                .init(id: "n1", number: "+34910000001", destination: .extensionTarget(id: Fixtures.ana)),
                .init(id: "n2", number: "+34910000002", destination: .group(id: sales)),
                .init(id: "n3", number: "+34910000003", destination: .voicemail(extensionID: Fixtures.carla)),
                .init(id: "n4", number: "+34910000004", destination: .external(number: "+34600123456")),
            ])
    }

    /// Local wall-clock time in Madrid.
    static func madrid(_ text: String) -> Date {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "Europe/Madrid")
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f.date(from: text)!
    }
}
