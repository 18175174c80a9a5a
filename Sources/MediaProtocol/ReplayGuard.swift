import Synchronization

/// Nonces seen within the signature window; a second request with the same nonce is a replay.
/// Both ends use it: the agent for bundles, the portal for the agent's events.
public final class ReplayGuard: Sendable {
    private let seen = Mutex<[String: Int]>([:])
    let window: Int

    public init(window: Int = 2 * RequestSignature.maximumSkew) { self.window = window }

    /// True the first time a nonce is offered (and remembers it); false afterwards.
    public func admit(_ nonce: String, now: Int) -> Bool {
        seen.withLock { seen in
            // Forget nonces older than the window (a replay that old fails the clock check).
            if seen.count >= 1024 { seen = seen.filter { now - $0.value <= window } }
            guard seen[nonce] == nil else { return false }
            seen[nonce] = now
            return true
        }
    }
}
