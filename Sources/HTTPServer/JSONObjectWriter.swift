public import Foundation

/// A type that writes its own JSON object for the hot paths (a list page of twenty views is
/// mostly objects): members straight into the response bytes, with no keyed container, no
/// per-member buffer and no sorting at the end.
///
/// What it writes must be what its `Encodable` conformance writes through Foundation's
/// encoder with sorted keys: members in ascending key order (by UTF-8 bytes) and `nil`
/// optionals left out, as synthesized conformances do. A test holds each writer to that for
/// random values; should keys still arrive out of order, the writer's output is dropped and
/// the `Encodable` conformance writes the object instead.
public protocol JSONObjectWritable: Encodable {
    func writeJSONMembers(to object: inout JSONObjectWriter) throws
}

/// Writes one object's members in order (see `JSONObjectWritable`).
public struct JSONObjectWriter {
    var out: [UInt8]
    private var lastKey: StaticString?
    /// False once a key did not come after the one before it.
    private(set) var inOrder = true

    init(out: [UInt8]) { self.out = out }

    private mutating func key(_ key: StaticString) {
        if let lastKey, !Self.ascending(lastKey, key) { inOrder = false }
        out.append(lastKey == nil ? UInt8(ascii: "{") : UInt8(ascii: ","))
        lastKey = key
        key.withUTF8Buffer { writeString(bytes: $0, into: &out) }
        out.append(UInt8(ascii: ":"))
    }

    /// `a` sorts before `b` by UTF-8 bytes, as Foundation sorts keys.
    private static func ascending(_ a: StaticString, _ b: StaticString) -> Bool {
        a.withUTF8Buffer { x in b.withUTF8Buffer { y in x.lexicographicallyPrecedes(y) } }
    }

    /// Closes the object (`{}` when it has no members).
    mutating func finish() {
        if lastKey == nil { out.append(UInt8(ascii: "{")) }
        out.append(UInt8(ascii: "}"))
    }

    public mutating func field(_ key: StaticString, _ value: String) {
        self.key(key)
        writeString(value, into: &out)
    }

    public mutating func field(_ key: StaticString, _ value: Int) {
        self.key(key)
        value.writeJSON(into: &out)
    }

    public mutating func field(_ key: StaticString, _ value: Bool) {
        self.key(key)
        value.writeJSON(into: &out)
    }

    public mutating func field(_ key: StaticString, _ value: Date) {
        self.key(key)
        value.writeJSON(into: &out)
    }

    public mutating func field<T: Encodable>(_ key: StaticString, _ value: T) throws {
        self.key(key)
        try FastJSONEncoder.write(value, into: &out)
    }

    /// Leaves the member out when `value` is nil (what `encodeIfPresent` does).
    public mutating func fieldIfPresent(_ key: StaticString, _ value: String?) {
        if let value { field(key, value) }
    }

    public mutating func fieldIfPresent(_ key: StaticString, _ value: Int?) {
        if let value { field(key, value) }
    }

    public mutating func fieldIfPresent<T: Encodable>(_ key: StaticString, _ value: T?) throws {
        if let value { try field(key, value) }
    }
}

extension FastJSONEncoder {
    /// Writes `value` with its own writer; false (and nothing written) when its keys came out
    /// of order, so that the caller encodes it the generic way.
    static func writeObject(_ value: any JSONObjectWritable, into out: inout [UInt8]) throws -> Bool {
        var writer = JSONObjectWriter(out: [])
        swap(&writer.out, &out)
        let start = writer.out.count
        defer { swap(&writer.out, &out) }
        do {
            try value.writeJSONMembers(to: &writer)
        } catch {
            writer.out.removeSubrange(start...)
            throw error
        }
        guard writer.inOrder else {
            writer.out.removeSubrange(start...)
            return false
        }
        writer.finish()
        return true
    }
}
