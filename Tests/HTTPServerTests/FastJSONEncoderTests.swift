import Foundation
@testable import HTTPServer
import PropertyTesting
import Testing

/// The fast encoder must write exactly what Foundation's encoder writes with the same
/// settings (sorted keys, ISO 8601 dates, slashes unescaped) — checked byte for byte on
/// random values of every shape the API's types use.
@Suite struct FastJSONEncoderTests {
    /// A struct the way the API's views look: synthesized Codable, optionals, dates, arrays,
    /// dictionaries, keys out of order.
    struct View: Encodable, Equatable {
        var zeta: String
        var id: UUID
        var count: Int
        var ratio: Double
        var enabled: Bool
        var nickname: String?
        var createdAt: Date
        var tags: [String]
        var numbers: [Int?]
        var extra: [String: Int]
        var child: Child?
    }

    struct Child: Encodable, Equatable {
        var b: Int8
        var a: UInt64
        var when: Date?
    }

    /// Hand-written encode methods: explicit nulls, a single value, a key encoded twice.
    struct Custom: Encodable {
        var value: String?
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(value, forKey: .value)
            try c.encodeNil(forKey: .gone)
            try c.encode("first", forKey: .twice)
            try c.encode("second", forKey: .twice)
        }
        enum Keys: String, CodingKey { case value, gone, twice }
    }

    struct Wrapped: Encodable {
        var inner: String
        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            try c.encode(inner)
        }
    }

    static func double(_ g: inout SeededGenerator) -> Double {
        Arbitrary.element([0, -0.0, 0.1, 1, 1.5e-7, 1e21, 1e16, 3e15, 123_456_789.125, -42.25, Double(Int.max), 5e-324, .greatestFiniteMagnitude], &g)
    }

    static func date(_ g: inout SeededGenerator) -> Date {
        Date(timeIntervalSince1970: Double(Int64(truncatingIfNeeded: g.next()) % 20_000_000_000) / Double(1 + g.next() % 7))
    }

    static func view(_ g: inout SeededGenerator) -> View {
        View(zeta: Arbitrary.string(&g), id: UUID(), count: Arbitrary.int(&g), ratio: double(&g), enabled: Arbitrary.bool(&g),
             nickname: Arbitrary.bool(&g) ? Arbitrary.string(&g) : nil, createdAt: date(&g),
             tags: (0..<Int(g.next() % 4)).map { _ in Arbitrary.string(&g) },
             numbers: (0..<Int(g.next() % 4)).map { _ in Arbitrary.optionalInt(&g) },
             extra: Dictionary((0..<Int(g.next() % 4)).map { _ in (Arbitrary.string(&g), Arbitrary.int(&g)) }, uniquingKeysWith: { a, _ in a }),
             child: Arbitrary.bool(&g) ? Child(b: Int8(truncatingIfNeeded: g.next()), a: g.next(), when: Arbitrary.bool(&g) ? date(&g) : nil) : nil)
    }

    @Test func writesWhatFoundationWritesForRandomValues() throws {
        try forAll(iterations: 2_000) { g in
            let value = Self.view(&g)
            let fast = try FastJSONEncoder.encode(value)
            let foundation = try JSONCoding.foundationEncode(value)
            #expect(fast == foundation, "seed \(g.seed): \(String(decoding: fast, as: UTF8.self)) ≠ \(String(decoding: foundation, as: UTF8.self))")
            let list = [value, Self.view(&g)]
            #expect(try FastJSONEncoder.encode(list) == JSONCoding.foundationEncode(list))
        }
    }

    @Test func handWrittenEncodersAndTopLevelValues() throws {
        for value in [Custom(value: nil), Custom(value: "x/\"y\"\u{1}")] {
            #expect(try FastJSONEncoder.encode(value) == JSONCoding.foundationEncode(value))
        }
        #expect(try FastJSONEncoder.encode(Wrapped(inner: "é\n")) == JSONCoding.foundationEncode(Wrapped(inner: "é\n")))
        #expect(try FastJSONEncoder.encode(["b": [1, 2], "a": []]) == JSONCoding.foundationEncode(["b": [1, 2], "a": []]))
        #expect(try FastJSONEncoder.encode([1: "x", 10: "y", 2: "z"]) == JSONCoding.foundationEncode([1: "x", 10: "y", 2: "z"]))
        let prefixes = ["ab": 1, "ab!": 2, "a": 3, "": 4, "a b": 5, "é": 6, "\"": 8]
        #expect(try FastJSONEncoder.encode(prefixes) == JSONCoding.foundationEncode(prefixes))
        #expect(try FastJSONEncoder.encode(Optional<Int>.none) == JSONCoding.foundationEncode(Optional<Int>.none))
        #expect(String(decoding: try JSONCoding.encode(["x": 1.0]), as: UTF8.self) == #"{"x":1}"#)
    }

    @Test func notANumberIsRefusedLikeFoundationRefusesIt() {
        #expect(throws: EncodingError.self) { try FastJSONEncoder.encode([Double.nan]) }
        #expect(throws: EncodingError.self) { try JSONCoding.foundationEncode([Double.nan]) }
    }

    /// A nested container is beyond the fast encoder: the output is Foundation's.
    @Test func nestedContainersFallBackToFoundation() throws {
        struct Nested: Encodable {
            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: K.self)
                var inner = c.nestedContainer(keyedBy: K.self, forKey: .b)
                try inner.encode(1, forKey: .a)
                try c.encode(2, forKey: .a)
            }
            enum K: String, CodingKey { case a, b }
        }
        #expect(throws: FastJSONEncoder.Unsupported.self) { try FastJSONEncoder.encode(Nested()) }
        #expect(String(decoding: try JSONCoding.encode(Nested()), as: UTF8.self) == #"{"a":2,"b":{"a":1}}"#)
    }
}
