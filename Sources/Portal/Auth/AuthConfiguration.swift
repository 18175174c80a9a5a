/// Session lifetimes, cookie flags and sign-in throttling.
public struct AuthConfiguration: Sendable {
    /// A session unused for this long ends.
    public var sessionIdleTimeout: Duration = .seconds(12 * 3600)
    /// A session ends this long after sign-in, however busy.
    public var sessionLifetime: Duration = .seconds(7 * 24 * 3600)
    /// Adds `Secure` to the session cookie (set behind TLS, or with CENTRALITA_SECURE_COOKIES).
    public var secureCookies = false
    /// Failed sign-ins allowed per username, and per client address, within `throttleWindow`.
    public var maxFailuresPerUsername = 5
    public var maxFailuresPerAddress = 20
    public var throttleWindow: Duration = .seconds(15 * 60)

    public init() {}

    static let cookieName = "centralita_session"
}
