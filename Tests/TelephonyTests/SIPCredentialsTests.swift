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
