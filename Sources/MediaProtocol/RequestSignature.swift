import Foundation

/// How the portal and a media agent prove a request came from the other side: HMAC-SHA256,
/// keyed with the node's shared secret, over the method, the path, a Unix timestamp, a
/// random nonce and the body. The receiver refuses clock skew beyond `maximumSkew` seconds
/// and any nonce it has already seen in that window.
public enum RequestSignature {
    public static let timestampHeader = "X-Centralita-Timestamp"
    public static let nonceHeader = "X-Centralita-Nonce"
    public static let signatureHeader = "X-Centralita-Signature"
    public static let maximumSkew = 300

    public static func sign(secret: [UInt8], method: String, path: String, timestamp: Int, nonce: String, body: [UInt8]) -> String {
        let head = Array("\(method)\n\(path)\n\(timestamp)\n\(nonce)\n".utf8)
        return Digests.hex(Digests.hmacSHA256(key: secret, head + body))
    }

    /// The three headers for a request sent now, with a fresh random nonce.
    public static func headers(secret: [UInt8], method: String, path: String, body: [UInt8]) -> [(String, String)] {
        headers(secret: secret, method: method, path: path, timestamp: Int(Date().timeIntervalSince1970), nonce: UUID().uuidString, body: body)
    }

    /// The three headers for a request.
    public static func headers(secret: [UInt8], method: String, path: String, timestamp: Int, nonce: String, body: [UInt8]) -> [(String, String)] {
        [(timestampHeader, "\(timestamp)"), (nonceHeader, nonce),
         (signatureHeader, sign(secret: secret, method: method, path: path, timestamp: timestamp, nonce: nonce, body: body))]
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case missing, badSignature, clockSkew, replayed
        public var description: String {
            switch self {
            case .missing: "the request is not signed"
            case .badSignature: "the signature does not match"
            case .clockSkew: "the timestamp is more than \(RequestSignature.maximumSkew) s away from this node's clock"
            case .replayed: "this request was already received"
            }
        }
    }

    /// Checks the signature and the clock; the caller checks the nonce against replays.
    public static func verify(secret: [UInt8], method: String, path: String, timestamp: String?, nonce: String?, signature: String?,
                              body: [UInt8], now: Int) throws(Failure) {
        guard let timestamp, let nonce, let signature, let t = Int(timestamp), !nonce.isEmpty, nonce.count <= 100 else { throw .missing }
        let expected = sign(secret: secret, method: method, path: path, timestamp: t, nonce: nonce, body: body)
        guard Digests.constantTimeEqual(Array(expected.utf8), Array(signature.lowercased().utf8)) else { throw .badSignature }
        guard abs(now - t) <= maximumSkew else { throw .clockSkew }
    }

    /// Checks signature, clock and nonce of a received request; `header` reads its headers.
    public static func verify(secret: [UInt8], method: String, path: String, body: [UInt8], now: Int, replays: ReplayGuard,
                              header: (String) -> String?) throws(Failure) {
        let nonce = header(nonceHeader)
        try verify(secret: secret, method: method, path: path, timestamp: header(timestampHeader), nonce: nonce,
                   signature: header(signatureHeader), body: body, now: now)
        guard let nonce, replays.admit(nonce, now: now) else { throw .replayed }
    }
}
