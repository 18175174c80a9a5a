import Foundation
import Testing
@testable import Telephony

@Suite struct SIPCredentialsTests {
    @Test func usernamesAreNineOrTenDigitsWithoutALeadingZero() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let name = SIPCredentials.username { Int.random(in: 0..<$0, using: &rng) }
            #expect(SIPCredentials.isValidUsername(name), "\(name)")
        }
        #expect(!SIPCredentials.isValidUsername("012345678"))
        #expect(!SIPCredentials.isValidUsername("12345678"))
    }

    @Test func passwordsAreLongAndUnambiguous() {
        var rng = SystemRandomNumberGenerator()
        let password = SIPCredentials.password { Int.random(in: 0..<$0, using: &rng) }
        #expect(password.count == 20)
        #expect(!password.contains { "0O1lI".contains($0) })
    }

    @Test func ha1InputIsUsernameRealmPassword() {
        #expect(SIPCredentials.ha1Input(username: "bob", realm: "biloxi.com", password: "zanzibar") == "bob:biloxi.com:zanzibar")
    }
}

@Suite struct DestinationTests {
    @Test func numbersAreNormalizedToE164() {
        #expect(PhoneNumber.e164("+34 910 00 00 00") == "+34910000000")
        #expect(PhoneNumber.e164("0034 (91) 000-0000") == "+34910000000")
        #expect(PhoneNumber.e164("910000000") == nil, "national form is ambiguous")
        #expect(PhoneNumber.e164("+0123456") == nil)
        #expect(PhoneNumber.e164("+1234567890123456") == nil)
        #expect(PhoneNumber.e164("+34 91x") == nil)
    }

    @Test func destinationsRoundTripAsTaggedObjects() throws {
        let cases: [(Destination, String)] = [
            (.extensionTarget(id: "e1"), #"{"id":"e1","type":"extension"}"#),
            (.voicemail(extensionID: "e2"), #"{"id":"e2","type":"voicemail"}"#),
            (.external(number: "+34910000000"), #"{"number":"+34910000000","type":"external"}"#),
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        for (destination, json) in cases {
            #expect(String(decoding: try encoder.encode(destination), as: UTF8.self) == json)
            #expect(try JSONDecoder().decode(Destination.self, from: Data(json.utf8)) == destination)
        }
        #expect(throws: Destination.Invalid.self) { try Destination(type: "fax", id: "x", number: nil) }
        #expect(throws: Destination.Invalid(field: "id", message: "is required for the extension destination type")) { try Destination(type: "extension", id: nil, number: nil) }
        #expect(throws: Destination.Invalid.self) { try Destination(type: "external", id: nil, number: "123") }
    }
}
