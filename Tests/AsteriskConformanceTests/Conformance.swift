import Foundation
import TestSupport

/// What every conformance test shares: whether Asterisk is here, and how many private
/// instances may run at once (2 cores: a few instances overlap their waiting on timers).
enum Conformance {
    static let available = AsteriskNode.unavailableReason == nil
    static let slots = Slots(Int(ProcessInfo.processInfo.environment["CENTRALITA_ASTERISK_PARALLEL"] ?? "") ?? 6)

    /// Runs `body` with a private Asterisk holding `bundles`, stopping it afterwards even when
    /// `body` throws.
    static func withNode<T: Sendable>(bundles: [String: [String: [UInt8]]], clock: Date? = nil,
                                      _ body: @Sendable (AsteriskNode) async throws -> T) async throws -> T {
        try await slots.run {
            let node = try await AsteriskNode.start(bundles: bundles, clock: clock, egressProxy: ScenarioWeb.proxyURL)
            do {
                let result = try await body(node)
                await node.stop()
                return result
            } catch {
                let keep = ProcessInfo.processInfo.environment["CENTRALITA_KEEP_ASTERISK"] != nil
                await node.stop(keep: keep)
                if keep { print("kept the failed scenario's Asterisk folder: \(node.directory)") }
                throw error
            }
        }
    }
}

/// A counting semaphore for async code.
actor Slots {
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(_ count: Int) { free = max(1, count) }

    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
    }
}
