import Postgres
import Synchronization

/// What the deployer has been notified of since it last looked: a configuration change (the
/// list cache's channel too), a deploy request, or a tenant leaving a node.
///
/// The portal's one listener connection hands these over on its own thread as it reads them
/// (`PortalApplication`), so a write wakes one server process and one thread of the portal,
/// not a second listener and the task behind its queue. Only a leading deployer acts on
/// them; a portal that does not lead just keeps the flags.
final class DeployerWakeups: Sendable {
    static let channels = [ListCache.channel, "centralita_deploy", Deployer.reconcileChannel]
    private let state = Mutex((changed: false, reconcile: false))

    init() {}

    /// Notes `notification` if it is one of the deployer's channels.
    func note(_ notification: PostgresNotification) {
        guard Self.channels.contains(notification.channel) else { return }
        let reconcile = notification.channel == Deployer.reconcileChannel
        state.withLock { state in
            state.changed = true
            if reconcile { state.reconcile = true }
        }
    }

    /// Whether anything was notified since the last call.
    func takeChange() -> Bool {
        state.withLock { state in
            defer { state.changed = false }
            return state.changed
        }
    }

    /// Whether a reconciliation was asked for since the last call.
    func takeReconciliation() -> Bool {
        state.withLock { state in
            defer { state.reconcile = false }
            return state.reconcile
        }
    }
}
