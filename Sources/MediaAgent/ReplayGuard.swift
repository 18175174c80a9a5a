import Synchronization

/// Nonces seen within the signature window; a second request with the same nonce is a replay.
final class ReplayGuard: Sendable {
    private let seen = Mutex<[String: Int]>([:])
    let window: Int

    init(window: Int) { self.window = window }

    /// True the first time a nonce is offered (and remembers it); false afterwards.
    func admit(_ nonce: String, now: Int) -> Bool {
        seen.withLock { seen in
            // Forget nonces older than the window (a replay that old fails the clock check).
            if seen.count >= 1024 { seen = seen.filter { now - $0.value <= window } }
            guard seen[nonce] == nil else { return false }
            seen[nonce] = now
            return true
        }
    }
}
