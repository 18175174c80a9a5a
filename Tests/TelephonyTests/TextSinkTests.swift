import Testing
@testable import Telephony

@Suite struct TextSinkTests {
    @Test func aBannedCharacterJoinedToACombiningMarkIsStillDropped() {
        // "," + U+0301 is one Character, not ","; the scalar check drops both.
        #expect(TextSink.display.clean("Ana,\u{301}System(id)") == "AnaSystemid")
        #expect(TextSink.display.clean(")\u{301}") == "")
        #expect(TextSink.display.clean("José") == "José")
        #expect(TextSink.display.clean("Jose\u{301}") == "Jose\u{301}")
    }

    @Test func controlFormatAndSeparatorCharactersNeverReachDisplayText() {
        #expect(TextSink.display.clean("A\u{0}B\u{1B}[31mC\u{202E}D\u{2028}E\u{200B}F\u{A0}G\n") == "AB31mCDEFG")
        #expect(TextSink.display.clean("Sup（，）port") == "Support")
    }

    @Test func identifiersAreASCIIOnly() {
        #expect(TextSink.identifier.clean("t7-ext,evil") == "t7-extevil")
        #expect(TextSink.identifier.clean("１２3") == "3")
        #expect(TextSink.number.clean("+34 91,000)") == "+3491000")
        #expect(TextSink.digits.clean("12٣4") == "124")
        #expect(TextSink.email.clean("ana@acme.example,,System(id)|x") == "ana@acme.exampleSystemidx")
        #expect(TextSink.url.clean("https://x/?a=1,${SHELL(id)}") == "https://x/?a=1SHELLid")
    }

    @Test func thePortalRefusesNamesItCannotMakeSafe() {
        #expect(TextSink.displayProblem("Darío \"DJ\" López, Jr.") == nil)
        #expect(TextSink.displayProblem("Ana\u{1B}[31m") != nil)
        #expect(TextSink.displayProblem("Ana\u{202E}") != nil)
        #expect(TextSink.displayProblem("Ana\nBob") != nil)
        #expect(TextSink.displayProblem("Ana\u{0}") != nil)
    }
}
