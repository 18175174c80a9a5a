import Foundation
import HTTPServer
import Synchronization
import TestSupport

/// What the clients of `DatabaseRestartFaultTests` saw: every answer with its timing.
final class RestartLog: Sendable {
    struct Outcome: Sendable, CustomStringConvertible {
        enum Kind: String, Sendable { case create, patch, read, readiness }
        var client: Int
        var kind: Kind
        /// 0: no HTTP answer at all (the connection failed or timed out).
        var status: Int
        var problem = false
        var started = ContinuousClock.now
        var ended = ContinuousClock.now
        /// The extension created or changed.
        var number: String?
        /// The name it was given.
        var name: String?

        var description: String {
            "\(kind) by client \(client): \(status)\(problem ? " problem" : "") in \((ended - started).milliseconds) ms \(number ?? "") \(name ?? "")"
        }
    }

    private let state = Mutex<[Outcome]>([])

    func record(_ outcome: Outcome) { state.withLock { $0.append(outcome) } }
    var outcomes: [Outcome] { state.withLock { $0 } }

    /// When the first request started after `instant` got `/readyz` 200.
    func firstReady(after instant: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        outcomes.filter { $0.kind == .readiness && $0.status == 200 && $0.started >= instant }.map(\.ended).min()
    }

    /// When the first write started after `instant` was acknowledged.
    func firstWrite(after instant: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        outcomes.filter { $0.kind != .readiness && $0.kind != .read && (200...299).contains($0.status) && $0.started >= instant }.map(\.ended).min()
    }
}

/// One API client in a loop: create an extension, rename one it created, list a page. A
/// request that fails is not repeated (a retry would blur what was acknowledged).
struct LoadClient: Sendable {
    let index: Int
    let client: APIClient
    let tenant: String
    let owner: String
    let log: RestartLog

    func run(until stop: StopFlag) async {
        var created: [String: String] = [:]
        var step = 0
        let base = "/api/v1/tenants/\(tenant)/extensions"
        // Numbers 2000–9999, a thousand per client, each asked for once.
        while !stop.isSet && step < 999 {
            step += 1
            let number = String(2_000 + index * 1_000 + step)
            let name = "c\(index)-\(step)"
            let made = await send(.create, "POST", base, #"{"number":"\#(number)","ownerId":"\#(owner)","name":"\#(name)"}"#, number: number, name: name)
            struct Created: Decodable { var id: String }
            if made?.status == 201, let id = try? made?.json(Created.self).id { created[id] = number }
            if let (id, target) = created.randomElement() {
                let renamed = "r\(index)-\(step)"
                await send(.patch, "PATCH", "\(base)/\(id)", #"{"name":"\#(renamed)"}"#, number: target, name: renamed)
            }
            await send(.read, "GET", "\(base)?limit=5", nil)
        }
    }

    @discardableResult
    func send(_ kind: RestartLog.Outcome.Kind, _ method: String, _ path: String, _ json: String?, number: String? = nil,
              name: String? = nil) async -> RawResponse? {
        var outcome = RestartLog.Outcome(client: index, kind: kind, status: 0, number: number, name: name)
        let response = try? await client.request(method, path, json: json)
        outcome.ended = ContinuousClock.now
        outcome.status = response?.status ?? 0
        outcome.problem = response?.headers["Content-Type"]?.hasPrefix("application/problem+json") == true
        log.record(outcome)
        // Not quite at once (Retry-After says 5 s; a client that waits less still waits a little).
        if outcome.status == 503 { try? await Task.sleep(for: .milliseconds(20)) }
        return response
    }
}

/// `/readyz` every 50 ms on a fresh connection each time, as a load balancer would ask.
struct ReadinessProbe: Sendable {
    let port: Int
    let log: RestartLog

    func run(until stop: StopFlag) async {
        while !stop.isSet {
            var outcome = RestartLog.Outcome(client: -1, kind: .readiness, status: 0)
            if let client = try? RawHTTPClient(port: port, receiveTimeout: 30) {
                try? await client.send("GET /readyz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
                outcome.status = (try? await client.readResponse())?.status ?? 0
            }
            outcome.ended = ContinuousClock.now
            log.record(outcome)
            try? await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// Tells the load's tasks to finish.
final class StopFlag: Sendable {
    private let flag = Atomic(false)
    var isSet: Bool { flag.load(ordering: .relaxed) }
    func set() { flag.store(true, ordering: .relaxed) }
}
