import Foundation
import Testing
@testable import Dialplan

/// One simulated call and what a caller would notice: how it ends, who answers, which rules
/// applied and which events happen on the way.
struct TraceCase: CustomTestStringConvertible, Sendable {
    var name: String
    var scenario: Scenario
    var outcome: String
    var ext: String? = nil
    var number: String? = nil
    /// Rules that applied, in order (nil: not checked).
    var applied: [Int]? = nil
    /// Event kinds that must appear in this order (others may come between).
    var path: [String] = []
    var testDescription: String { name }

    func check(_ trace: CallTrace) {
        let kinds = trace.events.map(\.kind)
        #expect(trace.outcome.kind == outcome, "\(trace.events.map(\.sentence)) → \(trace.outcome.sentence)")
        if let ext { #expect(trace.outcome.extensionNumber == ext, "\(trace.events.map(\.sentence))") }
        if let number { #expect(trace.outcome.number == number) }
        if let applied {
            let rules = trace.events.filter { $0.kind == "rule" && $0.detail["applies"] == "true" }.compactMap { $0.detail["rule"].flatMap(Int.init) }
            #expect(rules == applied)
        }
        var rest = kinds[...]
        for kind in path {
            guard let i = rest.firstIndex(of: kind) else {
                Issue.record("\(kind) missing after \(kinds.prefix(kinds.count - rest.count)) in \(kinds)")
                return
            }
            rest = rest[(i + 1)...]
        }
    }
}
