import Foundation
import Logging
import Synchronization

/// Reads the Asterisk Manager Interface event stream: logs in, hands every event to `onEvent`,
/// and reconnects with backoff when the connection drops. Runs on a thread of its own
/// (blocking socket, 1 s read timeout so `stop()` is noticed).
final class AMIEventReader: Sendable {
    let settings: AMISettings
    let logger: Logger
    let onEvent: @Sendable ([String: String]) -> Void
    private let stopped = Mutex(false)

    init(settings: AMISettings, logger: Logger, onEvent: @escaping @Sendable ([String: String]) -> Void) {
        self.settings = settings
        self.logger = logger
        self.onEvent = onEvent
    }

    func start() {
        let thread = Thread { [self] in self.loop() }
        thread.name = "ami-reader"
        thread.start()
    }

    func stop() { stopped.withLock { $0 = true } }

    private var isStopped: Bool { stopped.withLock { $0 } }

    private func loop() {
        var backoff = 0.2
        while !isStopped {
            do {
                try session()
                backoff = 0.2
            } catch {
                logger.warning("AMI connection failed; retrying", metadata: ["error": "\(error)", "retryInSeconds": "\(backoff)"])
            }
            if isStopped { break }
            Thread.sleep(forTimeInterval: backoff)
            backoff = min(backoff * 2, 10)
        }
    }

    /// One connection: login, then events until it closes.
    private func session() throws {
        let connection = try AMIConnection(settings)
        try connection.login(settings, events: "user,agent")
        logger.info("AMI logged in", metadata: ["host": "\(settings.host):\(settings.port)"])
        while !isStopped {
            if let block = try connection.nextBlock(until: { isStopped }), block["Event"] != nil { onEvent(block) }
        }
    }
}
