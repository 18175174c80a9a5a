import Dispatch

/// Runs blocking work (file reads, process waits) on Dispatch threads, never on Swift's
/// cooperative pool, and resumes the caller with the result.
public enum BlockingIO {
    private static let queue = DispatchQueue(label: "blocking-io", attributes: .concurrent)

    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}
