import Foundation
import Telephony
@testable import Dialplan

/// The contact centre with what an attacker would type into each name and address: argument
/// separators, variable syntax, a block comment, line breaks, a combining mark after a comma,
/// an escape sequence and a bidi override. Its golden files show where each ends up.
extension Fixtures {
    static var hostile: TenantSnapshot {
        var t = contactCenter
        t.name = "Evil\n[t8-ext]\nexten => s,1,System(id)"
        func rename(_ id: String, name: String? = nil, owner: String? = nil, email: String? = nil) {
            guard let i = t.extensions.firstIndex(where: { $0.id == id }) else { return }
            if let name { t.extensions[i].name = name }
            if let owner { t.extensions[i].ownerName = owner }
            if let email { t.extensions[i].email = email }
        }
        rename(ana, owner: "Ana,\u{301}System(touch /tmp/p)", email: "ana@acme.example,,System(id)|x")
        rename(bruno, owner: "Bruno\u{1B}[31m\u{202E}zid\u{0}")
        rename(carla, name: "Recep;--tion\u{2028}[evil]")
        rename(dario, owner: "Darío\"<666>\"),Set(x=${SHELL(id)})")
        rename(support, name: "Sup)port${SHELL(id)}（，）")
        t.ivrs[0].contexts[0].name = "Main\r\nexten => 9,1,System(id)"
        t.callFlows[0].name = "Night),System(id"
        t.callFlows[0].actions[0] = .lookupName(url: "https://crm.example.com/name?n={number},x)}${SHELL(id)}", timeoutSeconds: 2)
        t.groups[0].name = "Sales:System(id)?"
        return t
    }
}
