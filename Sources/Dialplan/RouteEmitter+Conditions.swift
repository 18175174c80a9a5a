import Telephony

/// Conditions as Asterisk expressions, and the device states they read.
extension RouteEmitter {
    /// The condition as an Asterisk expression (inside `$[…]`); intervals first set a variable.
    mutating func expression(_ condition: Condition) -> AsteriskText {
        switch condition {
        case .callerIs(let number):
            return "\"${FILTER(0-9+,${CALLERID(num)})}\" = \"\(number: NumberingPlan.filtered(number))\""
        case .callerAnonymous:
            return "\"${FILTER(0-9+,${CALLERID(num)})}\" = \"\""
        case .inInterval(let id):
            let v = variable("IN")
            add("Set(\(v)=0)")
            guard let named = plan.intervals[id] else { return "${\(v)} = 1" }
            var interval = named.interval
            interval.timeZone = TextSink.timeZone.clean(interval.timeZone)
            // AsteriskTimeSpec writes numbers, weekday and month names and the cleaned zone.
            for spec in interval.asteriskSpecs() { add("ExecIfTime(\(unsafeRaw: spec.description)?Set(\(v)=1))") }
            let tz: AsteriskText = "\(timeZone: interval.timeZone)"
            if let start = interval.startDate, let end = interval.endDate {
                let today: AsteriskText = "${STRFTIME(${EPOCH},\(tz),%Y%m%d)}"
                add("ExecIf($[\(today) < \(Self.compact(start)) | \(today) > \(Self.compact(end))]?Set(\(v)=0))")
            }
            return "${\(v)} = 1"
        case .ruleActive(let number, let code):
            return "\"${FILTER(a-z,${DB(\(Self.toggleKey(plan: plan, extension: number, code: code)))})}\" != \"off\""
        case .registered(let number):
            let state = deviceState(number)
            return "(\"\(state)\" != \"UNAVAILABLE\" & \"\(state)\" != \"INVALID\")"
        case .busy(let number):
            let state = deviceState(number)
            return Self.anyOf(Self.busyStates.map { "\"\(state)\" = \"\(id: $0)\"" })
        case .lastRing(let outcomes):
            return Self.anyOf(outcomes.map { "\"${DIALSTATUS}\" = \"\(id: $0.dialStatus)\"" })
        case .applied:
            return "${APPLIED} > 0"
        case .not(let inner):
            return "!(\(expression(inner)))"
        case .all(let all):
            if all.isEmpty { return "1" }
            var text: AsteriskText = ""
            for (i, c) in all.enumerated() { text = text + (i == 0 ? "" : " & ") + "(\(expression(c)))" }
            return text
        }
    }

    /// Phones whose registration or busy state the steps test, in first-use order.
    static func devicesTested(in steps: [Step]) -> [String] {
        var found: [String] = []
        func visit(_ c: Condition) {
            switch c {
            case .registered(let n), .busy(let n): if !found.contains(n) { found.append(n) }
            case .not(let inner): visit(inner)
            case .all(let all): all.forEach(visit)
            default: break
            }
        }
        func visit(_ steps: [Step]) {
            for step in steps {
                if case .when(let c, let then, let otherwise) = step {
                    visit(c)
                    visit(then)
                    visit(otherwise)
                }
            }
        }
        visit(steps)
        return found
    }

    /// `(a | b | …)`.
    static func anyOf(_ tests: [AsteriskText]) -> AsteriskText {
        var text: AsteriskText = "("
        for (i, test) in tests.enumerated() { text = text + (i == 0 ? "" : " | ") + test }
        return text + ")"
    }

    /// The phone's device state: read at the route's start, or (in IVR options and call
    /// flows) into a variable where the expression tests it.
    mutating func deviceState(_ number: String) -> AsteriskText {
        if let captured = capturedStates[number] { return captured }
        let v = variable("DST")
        add("Set(\(v)=${DEVICE_STATE(PJSIP/\(id: lookup.endpoints[number] ?? number))})")
        return "${\(v)}"
    }

    /// `YYYYMMDD`, comparable as a number with `STRFTIME(…,%Y%m%d)`.
    static func compact(_ date: LocalDate) -> AsteriskText { "\(digits: date.description)" }
}
