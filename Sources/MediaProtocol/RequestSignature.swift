import Foundation

/// How the portal and a media agent prove a request came from the other side: HMAC-SHA256,
/// keyed with the node's shared secret, over the method, the path, a Unix timestamp, a
/// random nonce, the body's length and the body's SHA-256 (sent as a header). The signature
/// covers only the head, so a receiver checks it before reading a byte of the body, then
/// holds the body it read against the signed digest. The receiver refuses clock skew beyond
/// `maximumSkew` seconds and any nonce it has already seen in that window.
public enum RequestSignature {
    public static let timestampHeader = "X-Centralita-Timestamp"
    public static let nonceHeader = "X-Centralita-Nonce"
    public static let signatureHeader = "X-Centralita-Signature"
    public static let digestHeader = "X-Centralita-Content-SHA256"
    public static let maximumSkew = 300

    public static func sign(secret: [UInt8], method: String, path: String, timestamp: Int, nonce: String, contentLength: Int,
                            contentSHA256: String) -> String {
        let head = Array("\(method)\n\(path)\n\(timestamp)\n\(nonce)\n\(contentLength)\n\(contentSHA256)\n".utf8)
        return Digests.hex(Digests.hmacSHA256(key: secret, head))
    }

    /// The four headers for a request sent now, with a fresh random nonce.
    public static func headers(secret: [UInt8], method: String, path: String, body: [UInt8]) -> [(String, String)] {
        headers(secret: secret, method: method, path: path, timestamp: Int(Date().timeIntervalSince1970), nonce: UUID().uuidString, body: body)
    }

    /// The four headers for a request.
    public static func headers(secret: [UInt8], method: String, path: String, timestamp: Int, nonce: String, body: [UInt8]) -> [(String, String)] {
        let digest = Digests.hex(Digests.sha256(body))
        return [(timestampHeader, "\(timestamp)"), (nonceHeader, nonce), (digestHeader, digest),
                (signatureHeader, sign(secret: secret, method: method, path: path, timestamp: timestamp, nonce: nonce, contentLength: body.count,
                                       contentSHA256: digest))]
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case missing, badSignature, clockSkew, replayed, bodyMismatch
        public var description: String {
            switch self {
            case .missing: "the request is not signed"
            case .badSignature: "the signature does not match"
            case .clockSkew: "the timestamp is more than \(RequestSignature.maximumSkew) s away from this node's clock"
            case .replayed: "this request was already received"
            case .bodyMismatch: "the body does not match its signed digest"
            }
        }
    }

    /// Checks signature, clock and nonce of a request head whose body has `contentLength`
    /// bytes, before the body is read. Returns the signed SHA-256 the body must have.
    public static func verifyHead(secret: [UInt8], method: String, path: String, contentLength: Int, now: Int, replays: ReplayGuard,
                                  header: (String) -> String?) throws(Failure) -> String {
        guard let timestamp = header(timestampHeader), let nonce = header(nonceHeader), let signature = header(signatureHeader),
              let digest = header(digestHeader)?.lowercased(), let t = Int(timestamp), !nonce.isEmpty, nonce.count <= 100,
              digest.utf8.count == 64, digest.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else { throw .missing }
        let expected = sign(secret: secret, method: method, path: path, timestamp: t, nonce: nonce, contentLength: contentLength, contentSHA256: digest)
        guard Digests.constantTimeEqual(Array(expected.utf8), Array(signature.lowercased().utf8)) else { throw .badSignature }
        let (skew, overflow) = now.subtractingReportingOverflow(t)
        guard !overflow, skew.magnitude <= UInt(maximumSkew) else { throw .clockSkew }
        guard replays.admit(nonce, now: now) else { throw .replayed }
        return digest
    }

    /// Checks a received request whose whole body is at hand.
    public static func verify(secret: [UInt8], method: String, path: String, body: [UInt8], now: Int, replays: ReplayGuard,
                              header: (String) -> String?) throws(Failure) {
        let digest = try verifyHead(secret: secret, method: method, path: path, contentLength: body.count, now: now, replays: replays, header: header)
        guard Digests.constantTimeEqual(Array(Digests.hex(Digests.sha256(body)).utf8), Array(digest.utf8)) else { throw .bodyMismatch }
    }
}
