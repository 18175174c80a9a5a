/// The simulator's sentences in Spanish and English (any other language gets English).
struct Phrases: Sendable {
    let spanish: Bool
    init(language: String) { spanish = language.lowercased().hasPrefix("es") }

    func say(_ en: String, _ es: String) -> String { spanish ? es : en }

    func route(_ title: String) -> String { say("Call to \(title).", "Llamada a \(title).") }
    func notRouted(_ number: String) -> String {
        say("\(number) does not lead anywhere: the call is refused.", "\(number) no lleva a ningún sitio: la llamada se rechaza.")
    }
    func ruleApplies(_ n: Int) -> String { say("Rule \(n) applies.", "Se aplica la regla \(n).") }
    func ruleSkipped(_ n: Int, _ reason: String) -> String {
        say("Rule \(n) does not apply: \(reason).", "La regla \(n) no se aplica: \(reason).")
    }
    func transfer(_ number: String) -> String { say("The call goes to extension \(number).", "La llamada pasa a la extensión \(number).") }
    func voicemail(_ number: String, busy: Bool) -> String {
        busy ? say("Mailbox \(number) answers with the busy greeting and takes a message.",
                   "El buzón \(number) contesta con el saludo de ocupado y recoge un mensaje.")
             : say("Mailbox \(number) answers and takes a message.", "El buzón \(number) contesta y recoge un mensaje.")
    }
    func external(_ number: String) -> String { say("The call is sent out to \(number).", "La llamada se envía al exterior, a \(number).") }
    var identifyAccepted: String { say("The caller keys the right password.", "El llamante marca la contraseña correcta.") }
    var identifyRefused: String {
        say("No right password after 3 tries: the call is hung up.", "Sin contraseña correcta tras 3 intentos: se cuelga la llamada.")
    }
    var recorded: String { say("The call is recorded.", "La llamada se graba.") }
    var busyTone: String { say("The caller hears the busy tone.", "El llamante oye la señal de ocupado.") }
    var congestion: String { say("The caller hears the congestion (fast busy) tone.", "El llamante oye la señal de congestión.") }
    var hangup: String { say("The call is hung up.", "Se cuelga la llamada.") }
    var rejected: String { say("The company is switched off: the call is rejected.", "La empresa está desactivada: la llamada se rechaza.") }
    var loop: String {
        say("The call was transferred \(Simulator.maximumTransfers) times in a loop and is cut.",
            "La llamada se transfirió \(Simulator.maximumTransfers) veces en bucle y se corta.")
    }
    func answered(_ who: String) -> String { say("\(who) answers the call.", "\(who) contesta la llamada.") }

    func ring(_ targets: [String], seconds: Int, result: DialOutcome, by: String?) -> String {
        let list = targets.joined(separator: ", ")
        let end: String
        switch result {
        case .answered: end = say("answered by \(by ?? "")", "contesta \(by ?? "")")
        case .busy: end = say("busy", "ocupado")
        case .noAnswer: end = say("no answer", "nadie contesta")
        case .unavailable: end = say("no device is registered", "no hay ningún dispositivo registrado")
        }
        return say("\(list) ring for up to \(seconds) s: \(end).", "Suena \(list) hasta \(seconds) s: \(end).")
    }

    func describe(_ c: Condition, holds: Bool, plan: CallPlan) -> String {
        switch c {
        case .callerIs(let n):
            return holds ? say("the caller is \(n)", "el llamante es \(n)") : say("the caller is not \(n)", "el llamante no es \(n)")
        case .callerAnonymous:
            return holds ? say("the caller is anonymous", "el llamante es anónimo") : say("the caller is not anonymous", "el llamante no es anónimo")
        case .inInterval(let id):
            let name = plan.intervals[id]?.name ?? id
            return holds ? say("the time is within “\(name)”", "la hora está dentro de «\(name)»")
                         : say("the time is outside “\(name)”", "la hora está fuera de «\(name)»")
        case .ruleActive(_, let code):
            return holds ? say("the rule is switched on (*74\(code))", "la regla está activada (*74\(code))")
                         : say("the rule is switched off (*74\(code))", "la regla está desactivada (*74\(code))")
        case .registered(let e):
            return holds ? say("\(e) is registered", "\(e) está registrada") : say("\(e) is not registered", "\(e) no está registrada")
        case .busy(let e):
            return holds ? say("\(e) is busy", "\(e) está ocupada") : say("\(e) is not busy", "\(e) no está ocupada")
        case .lastRing(let outcomes):
            let list = outcomes.map(\.rawValue).joined(separator: "/")
            return holds ? say("the ring ended \(list)", "el timbre terminó en \(list)") : say("the ring did not end \(list)", "el timbre no terminó en \(list)")
        case .applied:
            return holds ? say("a rule applied", "se aplicó una regla") : say("no rule applied", "no se aplicó ninguna regla")
        case .not(let inner):
            return describe(inner, holds: !holds, plan: plan)
        case .all(let all):
            return all.map { describe($0, holds: holds, plan: plan) }.joined(separator: say(" and ", " y "))
        }
    }
}
