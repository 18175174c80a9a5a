import Foundation
import Postgres
import Synchronization

/// Sessions and API keys resolved in the last seconds, so an authenticated request does not
/// look its credential up again. Correct across many portals behind a balancer: whatever
/// changes who a credential is — revoking a key, signing out, a password or role change,
/// deleting a user — makes PostgreSQL notify `centralita_identity` (triggers of migration
/// 0018), and every portal drops its entries at once. An entry is used only while the
/// listener that would hear such a notification is connected, and only if it was stored in
/// the listener's current connection (a notification may have been missed in between);
/// otherwise requests look credentials up as if there were no cache. `ttl` bounds the rest
/// (a session's expiry, how fresh "last used" is).
final class IdentityCache: Sendable {
    static let channel = "centralita_identity"

    private struct Entry {
        var identity: Identity
        var validUntil: ContinuousClock.Instant
        var generation: Int
    }

    private struct State {
        var entries: [[UInt8]: Entry] = [:]
        /// Changes on every drop, so a lookup that started before it does not store afterwards.
        var epoch = 0
    }

    let ttl: Duration
    let capacity: Int
    private let state = Mutex(State())
    private let listener: PostgresListener?
    private let consumer = Mutex<Task<Void, Never>?>(nil)

    /// With `listener` nil (or `ttl` zero) nothing is ever cached.
    init(listener: PostgresListener?, ttl: Duration, capacity: Int = 50_000) {
        self.listener = ttl > .zero ? listener : nil
        self.ttl = ttl
        self.capacity = capacity
    }

    /// Starts listening for changes (unless `listening` is false: the owner of a shared
    /// listener starts it); until the listener is connected the cache is bypassed.
    func start(listening: Bool = true) {
        guard let listener else { return }
        consumer.withLock {
            $0 = Task { [self] in
                if listening { await listener.start() }
                // The listener may carry other channels (the list cache's).
                for await notification in listener.notifications where notification.channel == Self.channel { forget(notification.payload) }
            }
        }
    }

    func stop() {
        listener?.stop()
        consumer.withLock { $0?.cancel() }
    }

    /// A lookup's ticket: pass it back to `store`.
    struct Ticket { fileprivate let epoch: Int; fileprivate let generation: Int? }

    /// The cached identity for a credential's hash, or nil (with a ticket for storing what the
    /// database says).
    func lookup(_ key: [UInt8]) -> (identity: Identity?, ticket: Ticket) {
        let generation = listener?.generation
        let now = ContinuousClock.now
        return state.withLock { s in
            let ticket = Ticket(epoch: s.epoch, generation: generation)
            guard let generation, let entry = s.entries[key] else { return (nil, ticket) }
            guard entry.generation == generation, entry.validUntil > now else {
                s.entries[key] = nil
                return (nil, ticket)
            }
            return (entry.identity, ticket)
        }
    }

    /// Remembers what the database said, unless something changed since the lookup began.
    /// `expiresAt`: when the credential ends by itself (a session's lifetime).
    func store(_ identity: Identity, for key: [UInt8], expiresAt: Date? = nil, ticket: Ticket) {
        guard let generation = ticket.generation, listener?.generation == generation else { return }
        var lifetime = ttl
        if let expiresAt {
            let left = expiresAt.timeIntervalSinceNow
            guard left > 0 else { return }
            lifetime = min(lifetime, .milliseconds(Int64(min(left, 86_400) * 1000)))
        }
        let validUntil = ContinuousClock.now.advanced(by: lifetime)
        state.withLock { s in
            guard s.epoch == ticket.epoch else { return }
            if s.entries.count >= capacity { s.entries.removeAll(keepingCapacity: true) }
            s.entries[key] = Entry(identity: identity, validUntil: validUntil, generation: generation)
        }
    }

    /// Forgets everything (a credential changed somewhere).
    func dropAll() {
        state.withLock { s in
            s.entries.removeAll(keepingCapacity: true)
            s.epoch &+= 1
        }
    }

    /// Forgets what a notification names: `s:<hex>` a session and `k:<hex>` an API key by
    /// their hash, `u:<uuid>` a user's sessions; anything else, everything.
    func forget(_ payload: String) {
        let kind = payload.prefix(2)
        let rest = payload.dropFirst(2)
        if kind == "s:" || kind == "k:", let hash = Self.bytes(hex: rest) {
            let key = [kind == "s:" ? 1 : 0] + hash
            state.withLock { s in
                s.entries[key] = nil
                s.epoch &+= 1
            }
        } else if kind == "u:", let user = UUID(uuidString: String(rest)) {
            state.withLock { s in
                s.entries = s.entries.filter { $0.value.identity.userID != user }
                s.epoch &+= 1
            }
        } else {
            dropAll()
        }
    }

    static func bytes(hex: Substring) -> [UInt8]? {
        guard hex.utf8.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        var iterator = hex.utf8.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            guard let h = hexValue(high), let l = hexValue(low) else { return nil }
            bytes.append(h << 4 | l)
        }
        return bytes
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    var count: Int { state.withLock { $0.entries.count } }
}
