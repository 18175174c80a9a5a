/// Sentences for queues, IVR menus and call-flow actions.
extension Phrases {
    func queue(_ title: String) -> String { say("The caller waits in queue \(title).", "El llamante espera en la cola \(title).") }
    var queueFull: String { say("The queue is full.", "La cola está llena.") }
    var queueEmpty: String {
        say("No agent can take the call (none logged in, registered and free).",
            "Ningún agente puede atender (ninguno con sesión iniciada, registrado y libre).")
    }
    func queueRing(_ agents: [String]) -> String { say("Agents \(agents.joined(separator: ", ")) are offered the call.", "Se ofrece la llamada a los agentes \(agents.joined(separator: ", ")).") }
    func queueTimeout(_ seconds: Int) -> String {
        say("Nobody answers within \(seconds) s: the wait ends.", "Nadie contesta en \(seconds) s: termina la espera.")
    }
    var queueWaiting: String { say("Nobody answers; the caller keeps waiting (the queue has no time limit).", "Nadie contesta; el llamante sigue esperando (la cola no tiene límite de tiempo).") }
    func stickyAgent(_ agent: String) -> String { say("The caller last spoke with \(agent), who is tried first.", "El llamante habló por última vez con \(agent), a quien se llama primero.") }
    func menu(_ title: String) -> String { say("The caller enters \(title).", "El llamante entra en \(title).") }
    func pressed(_ key: String) -> String { say("The caller presses \(key).", "El llamante pulsa \(key).") }
    var timedOut: String { say("The caller presses nothing.", "El llamante no pulsa nada.") }
    func invalidKey(_ key: String) -> String { say("\(key) is not an option.", "\(key) no es una opción.") }
    func directDial(_ number: String) -> String { say("The caller dials extension \(number) directly.", "El llamante marca directamente la extensión \(number).") }
    var gaveUp: String { say("Too many attempts: the menu says goodbye and hangs up.", "Demasiados intentos: el menú se despide y cuelga.") }
    var menuLoop: String {
        say("The call went through menus \(Simulator.maximumMenuVisits) times in a loop and is cut.",
            "La llamada pasó por menús \(Simulator.maximumMenuVisits) veces en bucle y se corta.")
    }
    func play(_ sound: String?) -> String {
        guard let sound else { return say("A sound is missing: nothing plays.", "Falta un sonido: no se reproduce nada.") }
        return say("The caller hears “\(sound)”.", "El llamante oye «\(sound)».")
    }
    var listenVoicemail: String { say("The caller is asked for a mailbox and its PIN to hear messages.", "Se pide al llamante un buzón y su PIN para oír los mensajes.") }
    func webhook(_ url: String, reply: String?, branch: Int?) -> String {
        let answer = reply.map { say("replies “\($0)”", "responde «\($0)»") } ?? say("gives no reply", "no responde")
        let next = branch.map { say("branch \($0) runs", "se sigue la rama \($0)") } ?? say("the default branch runs", "se sigue la rama por defecto")
        return say("\(url) is notified and \(answer): \(next).", "Se notifica a \(url), que \(answer): \(next).")
    }
    func lookup(_ name: String?) -> String {
        name.map { say("The lookup names the caller “\($0)”.", "La búsqueda da al llamante el nombre «\($0)».") }
            ?? say("The lookup finds no name.", "La búsqueda no encuentra ningún nombre.")
    }
    func callerNumber(_ number: String) -> String { say("The caller's number becomes \(number).", "El número del llamante pasa a ser \(number).") }
    func email(_ to: String) -> String { say("An email is sent to \(to).", "Se envía un correo a \(to).") }
    func language(_ language: String) -> String { say("Prompts are now in \(language).", "Los mensajes pasan a estar en \(language).") }
    func flow(_ title: String) -> String { say("The call follows \(title).", "La llamada sigue \(title).") }
}
