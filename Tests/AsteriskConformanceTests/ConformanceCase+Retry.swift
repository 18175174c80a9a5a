import Foundation

extension ConformanceCase {
    /// `check()`, tried once more when the test bench itself failed before the call could be
    /// judged (a SIPp phone that did not register in time on a loaded machine, a clock that
    /// did not start); a disagreement between Asterisk and the simulator is never retried.
    func checkRetryingBench() async throws {
        do {
            try await check()
        } catch let error where !String(describing: error).hasPrefix("Asterisk took") {
            print("\(name): retrying once after a test-bench failure: \(error)")
            try await check()
        }
    }
}
