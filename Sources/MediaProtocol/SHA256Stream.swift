import COpenSSL

/// SHA-256 over bytes that arrive in pieces (a bundle streamed to disk), so a body is hashed
/// as it is written and never has to be whole in memory.
public final class SHA256Stream: @unchecked Sendable {
    // Used by one writer at a time (the connection's event loop), then finished once.
    private let context: OpaquePointer?

    public init() {
        context = EVP_MD_CTX_new()
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
    }

    deinit { EVP_MD_CTX_free(context) }

    public func update(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { EVP_DigestUpdate(context, $0.baseAddress, $0.count) }
    }

    /// The digest of everything given so far, as lowercase hex.
    public func finishHex() -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        return Digests.hex(digest)
    }
}
