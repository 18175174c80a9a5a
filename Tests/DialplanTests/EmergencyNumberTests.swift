import Foundation
import Telephony
import Testing
@testable import Dialplan

/// Emergency and short numbers: the country's list (from the tenant's main number), dialable
/// from every phone before anything else matches, whatever the tenant's state.
@Suite struct EmergencyNumberTests {
    static func text(_ t: TenantSnapshot) -> String {
        String(decoding: DialplanCompiler.compile(t).files["extensions.conf"] ?? [], as: UTF8.self)
    }

    @Test func everyPhoneReachesTheEmergencyNumbersEvenWhenTheTenantIsOff() {
        var off = Fixtures.rich
        off.active = false
        let text = Self.text(off)
        for phone in ["1001", "1002", "1003", "1004"] {
            #expect(text.contains("[t7-phone-\(phone)] ; dialled from \(phone)\ninclude => t7-emergency\ninclude => t7-ext\n"),
                    "the emergency context comes before the internal numbers, so an extension 112 cannot hide it")
        }
        #expect(!text.contains("[t7-out]"), "a switched-off tenant dials nothing else")
        for number in ["112", "091", "061", "062"] {
            #expect(text.contains("exten => \(number),1,NoOp(emergency \(number))\n same => n,Set(CALLERID(num)=+34910000001)\n"
                                  + " same => n,Set(CALLERID(pres)=allowed)\n same => n,Dial(PJSIP/\(number)@centralita-trunk)\n"))
        }
    }

    @Test func theMainNumberChoosesTheCountryAndTheCallerID() {
        var us = Fixtures.rich
        us.publicNumbers = [.init(id: "n", number: "+12125550100", destination: nil)]
        let text = Self.text(us)
        #expect(text.contains("exten => 911,1,NoOp(emergency 911)\n same => n,Set(CALLERID(num)=+12125550100)"))
        #expect(!text.contains("exten => 091,"))
        var outgoing = Fixtures.contactCenter
        outgoing.outgoingCallerIDs = ["+34910000002"]
        #expect(Self.text(outgoing).contains("exten => 112,1,NoOp(emergency 112)\n same => n,Set(CALLERID(num)=+34910000002)"),
                "the first outgoing caller ID is the main number")
        var none = Fixtures.rich
        none.publicNumbers = []
        let bare = Self.text(none)
        #expect(bare.contains("exten => 112,1,NoOp(emergency 112)\n same => n,Set(CALLERID(pres)=allowed)"), "112 everywhere, even without a number")
    }

    @Test func phonesDialNationalNumbersInTheirCountrysFormat() {
        let spain = Self.text(Fixtures.rich)
        #expect(spain.contains("exten => _[6-9]XXXXXXXX,1,GotoIf($[${LEN(${FILTER(0-9+ch,${EXTEN})})} != ${LEN(${EXTEN})}]?refused)\n"
                               + " same => n,Goto(+34${FILTER(0-9+ch,${EXTEN})},1)\n same => n(refused),Congestion(5)\n"))
        var us = Fixtures.rich
        us.publicNumbers = [.init(id: "n", number: "+12125550100", destination: nil)]
        let text = Self.text(us)
        #expect(text.contains("exten => _1NXXNXXXXXX,1,") && text.contains(" same => n,Goto(+1${FILTER(0-9+ch,${EXTEN:1})},1)\n"))
        #expect(!text.contains("_[6-9]XXXXXXXX"))
    }

    /// A national pattern matches at least 6 digits: never an internal number (4 digits) or an
    /// emergency number, which the phone's own pattern would otherwise hide.
    @Test func nationalPatternsNeverMatchInternalOrEmergencyNumbers() {
        for plan in NumberingPlan.byCallingCode.values {
            for (pattern, _) in plan.nationalDialling {
                #expect(pattern.hasPrefix("_"))
                let length = pattern.dropFirst().replacingOccurrences(of: #"\[[^]]*\]"#, with: "X", options: .regularExpression).count
                #expect(length >= 6, "\(pattern)")
            }
        }
    }

    @Test func everyCountryListHas112AndOnlyShortDigitStrings() {
        for (code, plan) in NumberingPlan.byCallingCode {
            #expect(plan.callingCode == code)
            #expect(plan.emergencyNumbers.contains("112"))
            #expect(plan.emergencyNumbers.allSatisfy { (2...4).contains($0.count) && TextSink.digits.admits($0) })
        }
    }
}
