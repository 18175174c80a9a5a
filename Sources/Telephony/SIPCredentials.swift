/// SIP digest credentials (EXT-2). The media node authenticates REGISTERs with the HA1 digest,
/// `MD5(username:realm:password)`, so that is all the portal stores; the password itself is
/// shown once and forgotten.
public enum SIPCredentials {
    /// A SIP username: 9 or 10 digits, not starting with 0, from a random source.
    public static func username(using random: (Int) -> Int) -> String {
        let length = 9 + random(2)
        var digits = String(1 + random(9))
        for _ in 1..<length { digits += String(random(10)) }
        return digits
    }

    public static func isValidUsername(_ text: String) -> Bool {
        (9...10).contains(text.count) && text.allSatisfy(\.isASCII) && text.allSatisfy(\.isNumber) && text.first != "0"
    }

    /// A strong password of letters and digits (no characters that phones mangle).
    public static func password(length: Int = 20, using random: (Int) -> Int) -> String {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")
        return String((0..<length).map { _ in alphabet[random(alphabet.count)] })
    }

    /// The text whose MD5 is HA1; the caller hashes it (the domain has no crypto).
    public static func ha1Input(username: String, realm: String, password: String) -> String {
        "\(username):\(realm):\(password)"
    }
}
