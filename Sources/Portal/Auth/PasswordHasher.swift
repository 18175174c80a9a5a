import Foundation
import HTTPServer
import Synchronization

/// scrypt behind a small gate. Each hash takes ~32 MiB and tens of milliseconds of a core, so
/// unbounded concurrent sign-ins would exhaust memory and starve every other request: at most
/// `maxConcurrent` run at once, at most `maxQueued` wait, and beyond that the request is
/// refused with 429 and `Retry-After` before any work is done.
final class PasswordHasher: Sendable {
    let maxConcurrent: Int
    let maxQueued: Int

    private struct State {
        var running = 0
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    init(maxConcurrent: Int, maxQueued: Int) {
        self.maxConcurrent = max(1, maxConcurrent)
        self.maxQueued = max(0, maxQueued)
    }

    func hash(_ password: String) async throws -> String {
        try await gated { try await Secrets.hashPassword(password) }
    }

    func verify(_ password: String, against stored: String) async throws -> Bool {
        try await gated { await Secrets.verifyPassword(password, against: stored) }
    }

    private func gated<T: Sendable>(_ work: () async throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        return try await work()
    }

    private func acquire() async throws {
        enum Decision { case run, wait, refuse }
        let decision: Decision = state.withLock { s in
            if s.running < maxConcurrent {
                s.running += 1
                return .run
            }
            return s.waiting.count < maxQueued ? .wait : .refuse
        }
        switch decision {
        case .run:
            return
        case .refuse:
            throw HTTPError(.tooManyRequests, type: "busy", detail: "Too many password checks are in progress; try again in a moment.",
                            headers: ["Retry-After": "1"])
        case .wait:
            await withCheckedContinuation { continuation in
                let runNow = state.withLock { s in
                    // A slot may have freed between the decision and now.
                    if s.running < maxConcurrent {
                        s.running += 1
                        return true
                    }
                    s.waiting.append(continuation)
                    return false
                }
                if runNow { continuation.resume() }
            }
        }
    }

    /// Hands the slot straight to the oldest waiter, or frees it.
    private func release() {
        let next: CheckedContinuation<Void, Never>? = state.withLock { s in
            if s.waiting.isEmpty {
                s.running -= 1
                return nil
            }
            return s.waiting.removeFirst()
        }
        next?.resume()
    }
}
