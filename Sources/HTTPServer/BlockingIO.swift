import Dispatch

/// Runs blocking work (file reads, process waits) on Dispatch threads, never on Swift's
/// cooperative pool, and resumes the caller with the result.
///
/// Each call gets its own serial queue: serial queues target libdispatch's *overcommit* pool,
/// which adds a thread when the others are blocked. A shared concurrent queue would not: on
/// Linux it is limited to one thread per core, so two blocked reads would stall every other
/// caller.
public enum BlockingIO {
    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue(label: "blocking-io").async {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}
