import COpenSSL
import Foundation
import HTTPServer

/// Password hashing and random secrets, through OpenSSL.
///
/// Passwords are hashed with scrypt and a per-user random salt into a self-describing string,
/// `scrypt$N$r$p$salt$hash` (base64), so the cost can be raised later: old hashes keep
/// verifying with their own parameters, and `needsRehash` says when to store a new one.
enum Secrets {
    struct Parameters: Equatable {
        var n: UInt64 = 32_768
        var r: UInt64 = 8
        var p: UInt64 = 1
    }

    static let current = Parameters()

    /// Hashes on a Dispatch thread: scrypt is deliberately slow and must not hold the
    /// cooperative pool.
    static func hashPassword(_ password: String, parameters: Parameters = current) async throws -> String {
        try await BlockingIO.run { try hashPasswordBlocking(password, parameters: parameters) }
    }

    static func hashPasswordBlocking(_ password: String, parameters: Parameters = current) throws -> String {
        let salt = randomBytes(16)
        let key = try scrypt(password, salt: salt, parameters: parameters)
        return "scrypt$\(parameters.n)$\(parameters.r)$\(parameters.p)$\(Data(salt).base64EncodedString())$\(Data(key).base64EncodedString())"
    }

    /// Constant-time comparison against a stored hash; false for anything malformed.
    static func verifyPassword(_ password: String, against stored: String) async -> Bool {
        (try? await BlockingIO.run { verifyPasswordBlocking(password, against: stored) }) ?? false
    }

    static func verifyPasswordBlocking(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$")
        guard parts.count == 6, parts[0] == "scrypt", let n = UInt64(parts[1]), let r = UInt64(parts[2]), let p = UInt64(parts[3]),
              let salt = Data(base64Encoded: String(parts[4])), let expected = Data(base64Encoded: String(parts[5])),
              n >= 1024, n <= 1 << 20, r >= 1, r <= 32, p >= 1, p <= 16,
              let key = try? scrypt(password, salt: Array(salt), parameters: Parameters(n: n, r: r, p: p), length: expected.count)
        else { return false }
        return constantTimeEqual(key, Array(expected))
    }

    static func needsRehash(_ stored: String) -> Bool {
        !stored.hasPrefix("scrypt$\(current.n)$\(current.r)$\(current.p)$")
    }

    /// A hash that verifies nothing, used to spend the same time on unknown usernames as on
    /// known ones, so response times do not reveal which usernames exist.
    static let decoyHash: String = (try? hashPasswordBlocking(UUID().uuidString)) ?? ""

    private static func scrypt(_ password: String, salt: [UInt8], parameters: Parameters, length: Int = 32) throws -> [UInt8] {
        var key = [UInt8](repeating: 0, count: length)
        let passwordBytes = Array(password.utf8)
        let maxMemory = 128 * parameters.n * parameters.r * parameters.p + 1024 * 1024
        let rc = passwordBytes.withUnsafeBufferPointer { pw in
            pw.withMemoryRebound(to: CChar.self) { pwChars in
                EVP_PBE_scrypt(pwChars.baseAddress, pw.count, salt, salt.count, parameters.n, parameters.r, parameters.p,
                               maxMemory, &key, length)
            }
        }
        guard rc == 1 else { throw HTTPError(.internalServerError, detail: "Password hashing failed.") }
        return key
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        if RAND_bytes(&bytes, Int32(count)) != 1 {
            var rng = SystemRandomNumberGenerator()
            for i in bytes.indices { bytes[i] = rng.next() }
        }
        return bytes
    }

    /// A random token of `bytes` bytes, base64url without padding.
    static func token(bytes: Int = 32) -> String {
        Data(randomBytes(bytes)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func sha256Hex(_ data: Data) -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        _ = data.withUnsafeBytes { raw in EVP_Digest(raw.baseAddress, raw.count, &digest, &length, EVP_sha256(), nil) }
        return digest.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    static func sha256(_ text: String) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { raw in EVP_Digest(raw.baseAddress, raw.count, &digest, &length, EVP_sha256(), nil) }
        return digest
    }

    /// Lowercase hex MD5 — only for SIP digest (HA1), which the SIP protocol defines so.
    static func md5Hex(_ text: String) -> String { hexDigest(text, EVP_md5(), size: 16) }

    /// Lowercase hex SHA-1 — only for queue-agent PINs, which the media node's dial plan checks
    /// with its `SHA1()` function (the one digest it has).
    static func sha1Hex(_ text: String) -> String { hexDigest(text, EVP_sha1(), size: 20) }

    private static func hexDigest(_ text: String, _ type: OpaquePointer?, size: Int) -> String {
        var digest = [UInt8](repeating: 0, count: size)
        var length: UInt32 = 0
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { raw in EVP_Digest(raw.baseAddress, raw.count, &digest, &length, type, nil) }
        return digest.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// A salted PIN digest for the node to check: (16 hex salt, SHA-1 of salt + PIN).
    static func pinDigest(_ pin: String) -> (salt: String, sha1: String) {
        let salt = randomBytes(8).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        return (salt, sha1Hex(salt + pin))
    }

    /// A uniform random integer in 0..<bound from OpenSSL's generator.
    static func randomInt(_ bound: Int) -> Int {
        precondition(bound > 0)
        let limit = UInt32.max - UInt32.max % UInt32(bound)
        while true {
            let bytes = randomBytes(4)
            let value = bytes.withUnsafeBytes { $0.load(as: UInt32.self) }
            if value < limit { return Int(value % UInt32(bound)) }
        }
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBytes { x in b.withUnsafeBytes { y in CRYPTO_memcmp(x.baseAddress, y.baseAddress, a.count) == 0 } }
    }
}
