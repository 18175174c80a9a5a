import Foundation
@testable import Portal
import Postgres
import Testing

/// Known-answer vectors, so the crypto helpers are checked against the standards rather than
/// against themselves.
@Suite struct SecretsKnownAnswerTests {
    @Test func ha1MatchesTheSIPDigestExample() {
        // bob / biloxi.com / zanzibar (the SIP digest authentication examples draft).
        #expect(Secrets.md5Hex("bob:biloxi.com:zanzibar") == "12af60467a33e8518da5c68bbff12b11")
    }

    @Test func sha256MatchesFIPS180() {
        #expect(SHA256Digest.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Secrets.sha256("abc") == SHA256Digest.hash(Array("abc".utf8)))
    }

    @Test func scryptMatchesRFC7914() {
        // RFC 7914 §12: P = "password", S = "NaCl", N = 1024, r = 8, p = 16, dkLen = 64.
        let key = "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"
        let bytes = stride(from: 0, to: key.count, by: 2).map { i -> UInt8 in
            let start = key.index(key.startIndex, offsetBy: i)
            return UInt8(key[start..<key.index(start, offsetBy: 2)], radix: 16) ?? 0
        }
        let stored = "scrypt$1024$8$16$\(Data("NaCl".utf8).base64EncodedString())$\(Data(bytes).base64EncodedString())"
        #expect(Secrets.verifyPasswordBlocking("password", against: stored))
        #expect(!Secrets.verifyPasswordBlocking("passwore", against: stored))
    }

    @Test func storedHashesNameTheirCost() throws {
        let stored = try Secrets.hashPasswordBlocking("a long passphrase", parameters: .init(n: 1024, r: 8, p: 1))
        #expect(stored.hasPrefix("scrypt$1024$8$1$"))
        #expect(Secrets.needsRehash(stored))
        #expect(Secrets.verifyPasswordBlocking("a long passphrase", against: stored))
        #expect(!Secrets.needsRehash(try Secrets.hashPasswordBlocking("a long passphrase")))
    }
}
