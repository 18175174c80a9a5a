import Foundation
import MediaAgent
import Testing
import TestSupport

extension AsteriskNode {
    /// What this node has loaded, as the media agent reads it.
    func inventory() async throws -> BundleManifest {
        var outputs: [String] = []
        for command in AsteriskInventory.commands { outputs.append(try await cli(command)) }
        return AsteriskInventory.parse(outputs)
    }
}

extension BundleManifest {
    /// Every declared object is listed by Asterisk (the node's own objects may be listed too).
    func expectLoaded(in inventory: BundleManifest, bundle: String) {
        let missing = subtracting(inventory)
        #expect(missing.isEmpty, "\(bundle): Asterisk does not list \(missing.summary)")
        #expect(!contexts.isEmpty)
    }
}
