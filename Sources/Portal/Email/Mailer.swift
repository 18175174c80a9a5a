import Foundation
import HTTPServer
import Logging
import Postgres
import Synchronization

/// Where the portal's emails go. Without a relay host, emails wait in the outbox.
public struct MailSettings: Sendable {
    public var smtpHost: String?
    public var smtpPort = 25
    public var from = "centralita@localhost"
    /// How often the outbox is checked besides being woken by new emails.
    public var poll: Duration = .seconds(5)
    public var firstRetry = 30.0
    public var maximumRetry = 3600.0
    public init() {}
}

/// Sends what the email outbox holds through the SMTP relay, after the rows committed: woken
/// when an email is queued, and polling, so emails queued by another portal process (or left
/// by a crash) go out too. A failure is retried with exponential backoff and jitter.
final class Mailer: Sendable {
    let database: TenantDatabase
    let repository = EmailOutboxRepository()
    let settings: MailSettings
    let logger: Logger
    private let wakes: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    private let task = LockedTask()

    init(database: TenantDatabase, settings: MailSettings, logger: Logger) {
        self.database = database
        self.settings = settings
        self.logger = logger
        (wakes, wake) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Something was queued (call after its transaction committed).
    func poke() { wake.yield() }

    func start() {
        guard settings.smtpHost != nil else {
            logger.notice("no SMTP relay configured (CENTRALITA_SMTP_HOST): emails stay in the outbox")
            return
        }
        let wake = self.wake
        let poll = settings.poll
        task.set(Task { [self] in
            let ticker = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: poll)
                    wake.yield()
                }
            }
            defer { ticker.cancel() }
            for await _ in wakes {
                if Task.isCancelled { break }
                await sendDue()
            }
        })
        wake.yield()
    }

    func stop() async {
        wake.finish()
        await task.cancelAndWait()
    }

    func sendDue() async {
        do {
            // Which tenants have mail due comes from a definer function; each is claimed in its own scope.
            for tenant in try await database.transaction(.operatorScope(user: nil), { try await repository.tenantsWithDueEmail(on: $0) }) {
                let due = try await database.transaction(.operatorScope(user: nil, tenant: tenant)) { try await repository.claimDue(on: $0) }
                for email in due { await send(email) }
            }
        } catch {
            logger.error("mail pass failed", metadata: ["error": "\(error)"])
        }
    }

    func send(_ email: OutgoingEmail) async {
        guard let host = settings.smtpHost else { return }
        let client = SMTPClient(host: host, port: settings.smtpPort, heloName: "centralita", timeoutSeconds: 15)
        let message = Self.message(from: settings.from, to: email.recipient, subject: email.subject, body: email.body, id: email.id)
        let from = settings.from
        let scope = TenantDatabase.Scope.operatorScope(user: nil, tenant: email.tenantID)
        do {
            try await BlockingIO.run { try client.send(from: from, to: email.recipient, message: message) }
            try await database.transaction(scope) { try await repository.markSent(email.id, on: $0) }
            logger.info("email sent", metadata: ["tenant": "\(email.tenantID)", "id": "\(email.id)"])
        } catch {
            let delay = Deployer.backoff(attempt: email.attempts + 1, first: settings.firstRetry, maximum: settings.maximumRetry)
            logger.warning("email not sent", metadata: ["tenant": "\(email.tenantID)", "id": "\(email.id)", "error": "\(error)", "retryInSeconds": "\(delay)"])
            _ = try? await database.transaction(scope) { try await repository.markFailed(email.id, error: "\(error)", retryIn: delay, on: $0) }
        }
    }

    static func rfc5322(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return f.string(from: date)
    }

    /// A plain-text UTF-8 message (RFC 5322; the subject encoded per RFC 2047).
    static func message(from: String, to: String, subject: String, body: String, id: UUID) -> [UInt8] {
        let encodedSubject = subject.allSatisfy(\.isASCII) ? subject : "=?UTF-8?B?\(Data(subject.utf8).base64EncodedString())?="
        let headers = [
            "From: Centralita <\(from)>", "To: <\(to)>", "Subject: \(encodedSubject)", "Date: \(rfc5322(Date()))",
            "Message-ID: <\(id.uuidString.lowercased())@centralita>", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
        ]
        return Array((headers.joined(separator: "\r\n") + "\r\n\r\n" + body).utf8)
    }
}

/// A task that can be set once and cancelled and awaited on shutdown.
final class LockedTask: Sendable {
    private let box = Mutex<Task<Void, Never>?>(nil)
    func set(_ task: Task<Void, Never>) { box.withLock { $0 = task } }
    func cancelAndWait() async {
        let task = box.withLock { t -> Task<Void, Never>? in defer { t = nil }; return t }
        task?.cancel()
        await task?.value
    }
}
