/// Whether `condition` holds within `timeout`, checked every 20 ms: for effects that arrive a
/// moment later by design (a NOTIFY reaching the portal's identity cache).
public func eventually(timeout: Duration = .seconds(5), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while true {
        if try await condition() { return true }
        if ContinuousClock.now >= deadline { return false }
        try await Task.sleep(for: .milliseconds(20))
    }
}
