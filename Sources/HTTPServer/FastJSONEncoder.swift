import Foundation
import Synchronization

/// JSON the way `JSONCoding.encode` promises it — keys sorted, ISO 8601 dates, slashes left
/// alone, byte for byte what Foundation's `JSONEncoder` writes — but written straight into
/// bytes: no intermediate tree of boxed values and no dictionaries, which made Foundation's
/// encoder a quarter of the CPU time of a tenant list (issue 15). Values that need nested or
/// super encoders (none of the API's types do) fall back to Foundation's encoder.
enum FastJSONEncoder {
    /// Thrown inside when a value asks for something only Foundation's encoder does.
    struct Unsupported: Error {}

    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        try write(value, into: &out)
        return out
    }

    static func write<T: Encodable>(_ value: T, into out: inout [UInt8]) throws {
        // The common types by identity first: a metatype comparison is far cheaper than the
        // dynamic cast below (which, for conditional conformances, builds metadata).
        if T.self == String.self { return writeString(unsafeBitCast(value, to: String.self), into: &out) }
        if T.self == Int.self { return unsafeBitCast(value, to: Int.self).writeJSON(into: &out) }
        if T.self == Bool.self { return unsafeBitCast(value, to: Bool.self).writeJSON(into: &out) }
        if T.self == Date.self { return unsafeBitCast(value, to: Date.self).writeJSON(into: &out) }
        if T.self == UUID.self { return unsafeBitCast(value, to: UUID.self).writeJSON(into: &out) }
        if T.self == [String].self { return try unsafeBitCast(value, to: [String].self).writeJSON(into: &out) }
        if T.self == String?.self { return try unsafeBitCast(value, to: String?.self).writeJSON(into: &out) }
        if T.self == Int?.self { return try unsafeBitCast(value, to: Int?.self).writeJSON(into: &out) }
        if let primitive = value as? any FastJSONPrimitive {
            try primitive.writeJSON(into: &out)
            return
        }
        if let object = value as? any JSONObjectWritable, try writeObject(object, into: &out) { return }
        let encoder = Encoder()
        try value.encode(to: encoder)
        try encoder.finish(into: &out)
    }

    // MARK: Encoder

    final class Encoder: Swift.Encoder {
        var codingPath: [any CodingKey] = []
        var userInfo: [CodingUserInfoKey: Any] = [:]
        enum Opened { case none, keyed(KeyedStorage), unkeyed(UnkeyedStorage), single([UInt8]?) }
        var opened = Opened.none

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            if case .keyed(let storage) = opened { return KeyedEncodingContainer(Keyed<Key>(storage: storage)) }
            let storage = KeyedStorage()
            // A type's own coding keys come in the same order every time: its sorted order is
            // worked out once and reused while the keys are the same (a dictionary's vary).
            storage.orderCacheKey = ObjectIdentifier(Key.self)
            if case .none = opened { opened = .keyed(storage) } else { opened = .single(nil) }
            return KeyedEncodingContainer(Keyed<Key>(storage: storage))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            if case .unkeyed(let storage) = opened { return Unkeyed(storage: storage) }
            let storage = UnkeyedStorage()
            if case .none = opened { opened = .unkeyed(storage) } else { opened = .single(nil) }
            return Unkeyed(storage: storage)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer { Single(encoder: self) }

        /// Appends what was encoded; a mix of containers (never valid) is refused.
        func finish(into out: inout [UInt8]) throws {
            switch opened {
            case .none: out.append(contentsOf: [UInt8(ascii: "{"), UInt8(ascii: "}")])
            case .keyed(let storage): try storage.finish(into: &out)
            case .unkeyed(let storage): try storage.finish(into: &out)
            case .single(let bytes):
                guard let bytes else { throw Unsupported() }
                out.append(contentsOf: bytes)
            }
        }
    }

    /// Members as they come: each key and value written once into one buffer, the members
    /// put in key order (by the keys' UTF-8 bytes, as Foundation sorts them) at the end.
    final class KeyedStorage {
        var bytes: [UInt8] = []
        var unsupported = false
        var keys: [String] = []
        /// Where each member's key starts, its value starts and the member ends.
        var spans: [(key: Int, value: Int, end: Int)] = []

        /// Where keys that needed escaping start (their bytes differ from the key's).
        var escapedKeys: Set<Int> = []
        /// The coding-key type, when its sorted order may be remembered.
        var orderCacheKey: ObjectIdentifier?

        /// Sorted orders by coding-key type, for the key sequence they were worked out for.
        private static let orders = Mutex<[ObjectIdentifier: (keys: [String], order: [Int])]>([:])

        func begin(_ key: String) -> Int {
            keys.append(key)
            let start = bytes.count
            writeString(key, into: &bytes)
            if bytes.count - start != key.utf8.count + 2 { escapedKeys.insert(start) }
            return start
        }

        func finish(into out: inout [UInt8]) throws {
            if unsupported { throw Unsupported() }
            out.append(UInt8(ascii: "{"))
            let order = sortedOrder()
            var first = true
            for (n, index) in order.enumerated() {
                // A key encoded twice keeps its last value, as Foundation does.
                if n + 1 < order.count, same(index, order[n + 1]) { continue }
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                let span = spans[index]
                out.append(contentsOf: bytes[span.key..<span.value])
                out.append(UInt8(ascii: ":"))
                out.append(contentsOf: bytes[(span.value + 1)..<span.end])
            }
            out.append(UInt8(ascii: "}"))
        }

        private func sortedOrder() -> [Int] {
            if let cacheKey = orderCacheKey,
               let cached = Self.orders.withLock({ $0[cacheKey] }),
               cached.keys.count == keys.count, zip(cached.keys, keys).allSatisfy({ $0.utf8.elementsEqual($1.utf8) }) {
                return cached.order
            }
            var order = Array(spans.indices)
            if !zip(order, order.dropFirst()).allSatisfy({ precedes($0.0, $0.1) }) {
                order.sort { a, b in
                    if same(a, b) { return a < b }
                    return precedes(a, b)
                }
            }
            if let cacheKey = orderCacheKey {
                let keys = self.keys
                Self.orders.withLock { orders in
                    if orders.count < 4096 { orders[cacheKey] = (keys, order) }
                }
            }
            return order
        }

        /// Key order by UTF-8 bytes (what Foundation sorts by). Keys written without escapes
        /// are compared where they lie in `bytes`; others as strings.
        private func precedes(_ a: Int, _ b: Int) -> Bool {
            let x = spans[a], y = spans[b]
            if plain(x), plain(y) { return compareBytes(x, y) < 0 }
            return keys[a].utf8.lexicographicallyPrecedes(keys[b].utf8)
        }

        private func same(_ a: Int, _ b: Int) -> Bool {
            let x = spans[a], y = spans[b]
            if plain(x), plain(y) { return compareBytes(x, y) == 0 }
            return keys[a].utf8.elementsEqual(keys[b].utf8)
        }

        /// The key's bytes between its quotes equal the key (nothing was escaped).
        private func plain(_ span: (key: Int, value: Int, end: Int)) -> Bool {
            escapedKeys.isEmpty || !escapedKeys.contains(span.key)
        }

        private func compareBytes(_ x: (key: Int, value: Int, end: Int), _ y: (key: Int, value: Int, end: Int)) -> Int {
            bytes.withUnsafeBufferPointer { buffer in
                // Between the quotes.
                let lx = x.value - x.key - 2, ly = y.value - y.key - 2
                let n = min(lx, ly)
                guard n > 0, let base = buffer.baseAddress else { return lx - ly }
                let c = memcmp(base + x.key + 1, base + y.key + 1, n)
                return c != 0 ? Int(c) : lx - ly
            }
        }
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let storage: KeyedStorage
        var codingPath: [any CodingKey] { [] }

        func add(_ key: Key, _ write: (inout [UInt8]) throws -> Void) rethrows {
            let start = storage.begin(key.stringValue)
            let value = storage.bytes.count
            storage.bytes.append(UInt8(ascii: ":"))
            try write(&storage.bytes)
            storage.spans.append((start, value, storage.bytes.count))
        }

        mutating func encodeNil(forKey key: Key) throws { add(key) { $0.append(contentsOf: Array("null".utf8)) } }
        // The primitives synthesized Codable code calls directly: no generic dispatch, no cast.
        mutating func encode(_ value: String, forKey key: Key) throws { add(key) { writeString(value, into: &$0) } }
        mutating func encode(_ value: Int, forKey key: Key) throws { add(key) { value.writeJSON(into: &$0) } }
        mutating func encode(_ value: Bool, forKey key: Key) throws { add(key) { value.writeJSON(into: &$0) } }
        mutating func encode(_ value: Double, forKey key: Key) throws { try add(key) { try value.writeJSON(into: &$0) } }
        mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws {
            if let value { add(key) { writeString(value, into: &$0) } }
        }
        mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws {
            if let value { add(key) { value.writeJSON(into: &$0) } }
        }
        mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws {
            if let value { add(key) { value.writeJSON(into: &$0) } }
        }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            try add(key) { try FastJSONEncoder.write(value, into: &$0) }
        }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            storage.unsupported = true
            return Encoder().container(keyedBy: NestedKey.self)
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            storage.unsupported = true
            return Unkeyed(storage: UnkeyedStorage())
        }
        mutating func superEncoder() -> any Swift.Encoder {
            storage.unsupported = true
            return Encoder()
        }
        mutating func superEncoder(forKey key: Key) -> any Swift.Encoder { superEncoder() }
    }

    final class UnkeyedStorage {
        var bytes: [UInt8] = []
        var count = 0
        var unsupported = false

        func finish(into out: inout [UInt8]) throws {
            if unsupported { throw Unsupported() }
            out.append(UInt8(ascii: "["))
            out.append(contentsOf: bytes)
            out.append(UInt8(ascii: "]"))
        }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let storage: UnkeyedStorage
        var codingPath: [any CodingKey] { [] }
        var count: Int { storage.count }

        func separate() {
            if storage.count > 0 { storage.bytes.append(UInt8(ascii: ",")) }
            storage.count += 1
        }

        mutating func encodeNil() throws {
            separate()
            storage.bytes.append(contentsOf: Array("null".utf8))
        }
        mutating func encode<T: Encodable>(_ value: T) throws {
            separate()
            try FastJSONEncoder.write(value, into: &storage.bytes)
        }
        mutating func encode(_ value: String) throws {
            separate()
            writeString(value, into: &storage.bytes)
        }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            storage.unsupported = true
            return Encoder().container(keyedBy: NestedKey.self)
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            storage.unsupported = true
            return Unkeyed(storage: UnkeyedStorage())
        }
        mutating func superEncoder() -> any Swift.Encoder {
            storage.unsupported = true
            return Encoder()
        }
    }

    struct Single: SingleValueEncodingContainer {
        let encoder: Encoder
        var codingPath: [any CodingKey] { [] }

        func set(_ write: (inout [UInt8]) throws -> Void) rethrows {
            guard case .none = encoder.opened else {
                encoder.opened = .single(nil)
                return
            }
            var bytes: [UInt8] = []
            try write(&bytes)
            encoder.opened = .single(bytes)
        }

        mutating func encodeNil() throws { set { $0.append(contentsOf: Array("null".utf8)) } }
        mutating func encode<T: Encodable>(_ value: T) throws { try set { try FastJSONEncoder.write(value, into: &$0) } }
    }
}

