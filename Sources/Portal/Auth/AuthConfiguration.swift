/// Session lifetimes, cookie flags and sign-in throttling.
public struct AuthConfiguration: Sendable {
    /// A session unused for this long ends.
    public var sessionIdleTimeout: Duration = .seconds(12 * 3600)
    /// A session ends this long after sign-in, however busy.
    public var sessionLifetime: Duration = .seconds(7 * 24 * 3600)
    /// Adds `Secure` to the session cookie (set behind TLS, or with CENTRALITA_SECURE_COOKIES).
    public var secureCookies = false
    /// Failed sign-ins allowed per (username, client address) within `throttleWindow`; then
    /// that address is locked out of that username (429) until the oldest failure leaves the
    /// window. Other addresses, the owner's included, are not locked.
    public var maxFailuresPerUsername = 5
    /// Failed sign-ins allowed per client address across usernames (password spraying).
    public var maxFailuresPerAddress = 20
    /// Failures on a username from other addresses after which each attempt on it waits
    /// (250 ms more per failure, at most 5 s) — a slowdown, never a lockout.
    public var slowdownAfterFailuresElsewhere = 10
    public var throttleWindow: Duration = .seconds(15 * 60)
    /// scrypt runs this many at once; `maxQueuedPasswordHashes` more wait; beyond that, 429.
    public var maxConcurrentPasswordHashes = 2
    public var maxQueuedPasswordHashes = 16

    /// Addresses of reverse proxies whose `X-Forwarded-For` is believed. Behind a proxy every
    /// client has the proxy's address, so the per-address throttle would lock everyone out
    /// together; with the proxy listed here, the client is the right-most address in the
    /// header that is not itself a trusted proxy. Empty: the header is ignored (it is the
    /// client's to forge).
    public var trustedProxies: Set<String> = []

    /// How long a resolved session or API key is reused without asking the database (changes
    /// reach every portal at once through NOTIFY; see IdentityCache). Zero: never cached.
    public var identityCacheTTL: Duration = .seconds(30)

    public init() {}

    /// The client's address for throttling: the socket's peer, or, when that peer is a trusted
    /// proxy, the nearest untrusted hop of `X-Forwarded-For`.
    func clientAddress(peer: String, forwardedFor: String?) -> String {
        guard trustedProxies.contains(peer), let forwardedFor else { return peer }
        // Only what looks like an address counts as a hop (digits, hex, dots and colons).
        let hops = forwardedFor.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && $0.count <= 45 && $0.allSatisfy { $0.isHexDigit || $0 == "." || $0 == ":" } }
        for hop in hops.reversed() where !trustedProxies.contains(hop) {
            return hop
        }
        return hops.first ?? peer
    }

    static let cookieName = "centralita_session"
}
