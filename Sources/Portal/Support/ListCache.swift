import Foundation
import Postgres
import Synchronization

/// Encoded list pages of this portal, each kept with the configuration revision of its tenant
/// it was read at, so a list read again costs no statement, no rows and no JSON.
///
/// Every change to what such a list shows bumps the tenant's `tenant_revisions.config_revision`
/// in the change's own transaction and notifies `centralita_config` with the tenant's ID (the
/// `config_changed` triggers; a portal's own writes notify right after their COMMIT, migration
/// 0020). A page is served:
/// - without asking PostgreSQL, while nothing was notified for its tenant since it was read
///   or last checked, on a listener connection that has been up all along (a notification
///   missed while it was away could have said otherwise; a write through this portal counts
///   at once, see `TenantDatabase.pages`), and for at most `trustFor` (30 s) since then;
/// - otherwise after reading the tenant's revision (one indexed lookup, in the round trip of
///   the request's scope), if it is the page's.
///
/// So a write through this portal is seen by its next read; one through another portal or by
/// SQL as soon as its notification is read here (well under a millisecond on one host).
/// With `verifiesRevision`, every read checks the revision: strict read-after-write across
/// portals for one round trip.
///
/// Only lists whose rows all come from tables with those triggers may use it (extensions,
/// intervals: not users, whose role and status do not bump the revision, nor queues, whose
/// agent counts follow calls). Bounded by bytes, oldest first; capacity 0 turns it off.
final class ListCache: Sendable {
    static let channel = "centralita_config"

    /// One page of one list as one principal may see it: `parameters` holds everything that
    /// selects the rows (filters, cursor, limit, and the owner a member is limited to).
    struct Key: Hashable, Sendable {
        var tenant: UUID
        var list: String
        var parameters: [String?]

        /// What the entry costs besides its body: the strings, roughly, and the bookkeeping.
        var cost: Int { 128 + list.utf8.count + parameters.reduce(0) { $0 + 16 + ($1?.utf8.count ?? 0) } }
    }

    /// Taken before a read: what the cache knew then, so that a page read afterwards is only
    /// trusted if nothing was notified for its tenant in between.
    struct Ticket: Sendable {
        fileprivate let generation: Int?
        fileprivate let epoch: UInt64
    }

    private struct Entry {
        var revision: Int
        var body: [UInt8]
        var cost: Int
        /// Listener generation and tenant epoch under which the page was last known current;
        /// nil generation: check the revision first.
        var generation: Int?
        var epoch: UInt64
        /// Until when it may be served unchecked: a bound on what a lost notification (a
        /// writer that died between its COMMIT and its NOTIFY) could leave behind.
        var trustedUntil: ContinuousClock.Instant
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        /// Keys in the order they were first stored; `head` is the oldest still counted.
        var order: [Key] = []
        var head = 0
        var bytes = 0
        /// Changes per tenant, striped: a notification bumps its tenant's stripe (and so,
        /// harmlessly, that of the tenants sharing it); an unreadable one bumps `all`.
        var stripes = [UInt64](repeating: 0, count: ListCache.stripeCount)
        var all: UInt64 = 0

        func epoch(_ tenant: UUID) -> UInt64 { stripes[ListCache.stripe(tenant)] &+ all }
    }

    static let stripeCount = 1024
    let capacityBytes: Int
    let verifiesRevision: Bool
    /// How long a page checked against the revision is served without another check.
    let trustFor: Duration
    private let state = Mutex(State())
    private let listener = Mutex<PostgresListener?>(nil)
    private let hits = Atomic<Int>(0)
    private let checkedHits = Atomic<Int>(0)
    private let misses = Atomic<Int>(0)

    init(capacityBytes: Int, verifiesRevision: Bool = false, trustFor: Duration = .seconds(30)) {
        self.capacityBytes = max(0, capacityBytes)
        self.verifiesRevision = verifiesRevision
        self.trustFor = trustFor
    }

    /// The listener whose notifications reach `changed(_:)`; until it is set and connected,
    /// every read checks the revision.
    func listen(to listener: PostgresListener) {
        self.listener.withLock { $0 = listener }
    }

    private var generation: Int? {
        verifiesRevision ? nil : listener.withLock { $0 }?.generation
    }

    /// The page, when it can be served without asking PostgreSQL; otherwise nil and the
    /// ticket to read with.
    func page(_ key: Key) -> (body: [UInt8]?, ticket: Ticket) {
        let generation = generation
        let (body, ticket) = state.withLock { state -> ([UInt8]?, Ticket) in
            let ticket = Ticket(generation: generation, epoch: state.epoch(key.tenant))
            guard let generation, let entry = state.entries[key], entry.generation == generation, entry.epoch == ticket.epoch,
                  ContinuousClock.now < entry.trustedUntil else {
                return (nil, ticket)
            }
            return (entry.body, ticket)
        }
        if body != nil { hits.add(1, ordering: .relaxed) }
        return (body, ticket)
    }

    /// The page stored for `key` at exactly `revision` (read after `ticket` was taken), if
    /// any; it is trusted again from here on if nothing was notified since the ticket.
    func page(_ key: Key, revision: Int, ticket: Ticket) -> [UInt8]? {
        let body = state.withLock { state -> [UInt8]? in
            guard var entry = state.entries[key], entry.revision == revision else { return nil }
            if Self.holds(ticket, in: state, for: key.tenant, now: generation) {
                entry.generation = ticket.generation
                entry.epoch = ticket.epoch
                entry.trustedUntil = ContinuousClock.now.advanced(by: trustFor)
                state.entries[key] = entry
            }
            return entry.body
        }
        if body == nil { misses.add(1, ordering: .relaxed) } else { checkedHits.add(1, ordering: .relaxed) }
        return body
    }

    /// Keeps `body` as `key`'s page at `revision`, unless a newer revision is stored already
    /// (a slower request finishing late) or the body alone is over a quarter of the capacity.
    func store(_ key: Key, revision: Int, body: [UInt8], ticket: Ticket) {
        let cost = key.cost + body.count
        guard cost <= capacityBytes / 4 else { return }
        let now = generation
        state.withLock { state in
            let trusted = Self.holds(ticket, in: state, for: key.tenant, now: now)
            let entry = Entry(revision: revision, body: body, cost: cost, generation: trusted ? ticket.generation : nil,
                              epoch: ticket.epoch, trustedUntil: ContinuousClock.now.advanced(by: trustFor))
            if let old = state.entries[key] {
                guard revision > old.revision || (revision == old.revision && trusted) else { return }
                state.bytes += cost - old.cost
            } else {
                state.order.append(key)
                state.bytes += cost
            }
            state.entries[key] = entry
            while state.bytes > capacityBytes, state.head < state.order.count {
                let oldest = state.order[state.head]
                state.head += 1
                if let gone = state.entries.removeValue(forKey: oldest) { state.bytes -= gone.cost }
            }
            if state.head > 64, state.head * 2 > state.order.count {
                state.order.removeFirst(state.head)
                state.head = 0
            }
        }
    }

    /// Something of `tenant` changed (a notification's payload, or a write through this
    /// portal): its pages are checked against the revision before they are served again.
    func changed(_ payload: String) {
        guard let tenant = UUID(uuidString: payload) else { return state.withLock { $0.all &+= 1 } }
        changed(tenant)
    }

    func changed(_ tenant: UUID) {
        state.withLock { $0.stripes[Self.stripe(tenant)] &+= 1 }
    }

    private static func holds(_ ticket: Ticket, in state: State, for tenant: UUID, now generation: Int?) -> Bool {
        ticket.generation != nil && ticket.generation == generation && state.epoch(tenant) == ticket.epoch
    }

    private static func stripe(_ tenant: UUID) -> Int {
        let u = tenant.uuid
        return (Int(u.12) << 8 | Int(u.15)) % stripeCount
    }

    var statistics: (hits: Int, checkedHits: Int, misses: Int, entries: Int, bytes: Int) {
        let (entries, bytes) = state.withLock { ($0.entries.count, $0.bytes) }
        return (hits.load(ordering: .relaxed), checkedHits.load(ordering: .relaxed), misses.load(ordering: .relaxed), entries, bytes)
    }
}
