/// A small, dependency-free property-testing kit: a seeded generator (so a failure can be
/// replayed from the seed it prints) and generators that favour the boundary values hostile
/// input uses — `Int.max`, `Int.min`, zero, off-by-one — and hostile strings (NUL, control
/// characters, long, non-ASCII). x-sheep/swift-property-based cannot be resolved on the build
/// machines (no access to GitHub), so this stands in for it with the same idea.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public let seed: UInt64

    public init(seed: UInt64) {
        self.seed = seed
        self.state = seed
    }

    /// SplitMix64: fast, well distributed, and the same sequence on every platform.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

public enum Arbitrary {
    /// Values where arithmetic and ranges break.
    public static let boundaryInts: [Int] = [
        0, 1, -1, 2, 5, 9, 10, 30, 59, 60, 600, 3600, 86_400, 1_000_000,
        Int(Int32.max), Int(Int32.min), Int(UInt32.max), Int.max, Int.min, Int.max - 1, Int.min + 1, Int.max / 2,
    ]

    /// Strings that have broken parsers and databases before.
    public static let hostileStrings: [String] = [
        "", " ", "abc\u{0}def", "\u{0}", "0", "-1", "9223372036854775807", "99999999999999999999", "+", "*#",
        "1", "12", "https://", "http://127.0.0.1:8090/", "{number}", "%00", "'; DROP TABLE users; --", "\\", "\"",
        "\u{7F}", "\r\n", "é", "👩‍👩‍👧", "\u{202E}", String(repeating: "a", count: 10_000), String(repeating: "9", count: 40),
        "00:00", "23:59", "24:00", "2026-02-29", "0000-01-01", "9999-12-31",
    ]

    public static func int(_ g: inout SeededGenerator) -> Int {
        switch g.next() % 4 {
        case 0: return boundaryInts[Int(g.next() % UInt64(boundaryInts.count))]
        case 1: return Int(truncatingIfNeeded: g.next())
        default: return Int(g.next() % 200) - 20
        }
    }

    public static func optionalInt(_ g: inout SeededGenerator) -> Int? {
        g.next() % 5 == 0 ? nil : int(&g)
    }

    public static func string(_ g: inout SeededGenerator) -> String {
        switch g.next() % 3 {
        case 0: return hostileStrings[Int(g.next() % UInt64(hostileStrings.count))]
        case 1:
            let length = Int(g.next() % 12)
            return String(String.UnicodeScalarView((0..<length).compactMap { _ in Unicode.Scalar(UInt32(g.next() % 0x250)) }))
        default: return String(Int(g.next() % 100_000))
        }
    }

    public static func bool(_ g: inout SeededGenerator) -> Bool { g.next() & 1 == 1 }

    public static func element<T>(_ values: [T], _ g: inout SeededGenerator) -> T {
        values[Int(g.next() % UInt64(values.count))]
    }

    /// A random JSON value up to `depth` deep, with hostile leaves; for feeding decoders.
    public static func json(_ g: inout SeededGenerator, depth: Int = 3, keys: [String] = []) -> String {
        let choice = depth <= 0 ? g.next() % 4 : g.next() % 6
        switch choice {
        case 0: return String(int(&g))
        case 1: return quoted(string(&g))
        case 2: return element(["null", "true", "false", "1e400", "-0", "0.5", "[]", "{}"], &g)
        case 3: return quoted(element(keys.isEmpty ? ["x"] : keys, &g))
        case 4:
            let count = Int(g.next() % 4)
            return "[" + (0..<count).map { _ in json(&g, depth: depth - 1, keys: keys) }.joined(separator: ",") + "]"
        default:
            let count = Int(g.next() % 5)
            let pool = keys.isEmpty ? ["a"] : keys
            return "{" + (0..<count).map { _ in quoted(element(pool, &g)) + ":" + json(&g, depth: depth - 1, keys: keys) }.joined(separator: ",") + "}"
        }
    }

    /// `text` as a JSON string literal.
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// Runs `body` `iterations` times, each with its own generator derived from `seed`; the
/// seed of a failing case is in `SeededGenerator.seed` for the test to report.
public func forAll(iterations: Int = 1_000, seed: UInt64 = 0xC0FFEE, _ body: (inout SeededGenerator) throws -> Void) rethrows {
    var master = SeededGenerator(seed: seed)
    for _ in 0..<iterations {
        var g = SeededGenerator(seed: master.next())
        try body(&g)
    }
}
