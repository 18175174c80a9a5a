import Foundation
@testable import HTTPServer
@testable import Portal
import PropertyTesting
import Testing

/// Views that write their own JSON write what their `Encodable` conformance writes through
/// Foundation's encoder (sorted keys, ISO 8601 dates, nil optionals left out), for any values.
@Suite struct ViewJSONTests {
    static func date(_ g: inout SeededGenerator) -> Date {
        Date(timeIntervalSince1970: Double(Int64(truncatingIfNeeded: g.next()) % 4_000_000_000) + (Arbitrary.bool(&g) ? 0.75 : 0))
    }

    static func extensionView(_ g: inout SeededGenerator) -> ExtensionView {
        ExtensionView(id: Arbitrary.string(&g), kind: Arbitrary.element(["phone", "virtual", Arbitrary.string(&g)], &g),
                      ownerId: Arbitrary.bool(&g) ? UUID().uuidString : nil, number: Arbitrary.string(&g), name: Arbitrary.string(&g),
                      sipUsername: Arbitrary.string(&g), sipServer: Arbitrary.string(&g), ringSeconds: Arbitrary.int(&g),
                      publicNumbers: (0..<Int(g.next() % 3)).map { _ in Arbitrary.string(&g) }, version: Arbitrary.int(&g),
                      createdAt: date(&g), updatedAt: date(&g))
    }

    @Test func anExtensionWritesWhatFoundationWrites() throws {
        try forAll(iterations: 1_000) { g in
            let view = Self.extensionView(&g)
            let fast = try JSONCoding.encode(view)
            let foundation = try JSONCoding.foundationEncode(view)
            #expect(fast == foundation, "seed \(g.seed): \(String(decoding: fast, as: UTF8.self)) ≠ \(String(decoding: foundation, as: UTF8.self))")
            // …and written by its own writer, not by the fallback.
            var own: [UInt8] = []
            #expect(try FastJSONEncoder.writeObject(view, into: &own) && own == foundation)
        }
    }

    @Test func aListPageWritesWhatFoundationWrites() throws {
        try forAll(iterations: 300) { g in
            let page = ListPage(items: (0..<Int(g.next() % 4)).map { _ in Self.extensionView(&g) },
                                nextCursor: Arbitrary.bool(&g) ? Arbitrary.string(&g) : nil, total: Arbitrary.int(&g))
            let fast = try JSONCoding.encode(page), foundation = try JSONCoding.foundationEncode(page)
            #expect(fast == foundation, "seed \(g.seed)")
        }
    }

    /// A writer whose keys come out of order is not trusted: the conformance writes instead.
    @Test func keysOutOfOrderFallBackToTheConformance() throws {
        struct Careless: JSONObjectWritable {
            var b = 1, a = "x"
            func writeJSONMembers(to object: inout JSONObjectWriter) throws {
                object.field("b", b)
                object.field("a", a)
            }
        }
        struct Empty: JSONObjectWritable {
            func writeJSONMembers(to object: inout JSONObjectWriter) throws {}
        }
        let careless = try JSONCoding.encode([Careless()]), empty = try JSONCoding.encode(Empty())
        #expect(String(decoding: careless, as: UTF8.self) == #"[{"a":"x","b":1}]"#)
        #expect(String(decoding: empty, as: UTF8.self) == "{}")
    }
}
