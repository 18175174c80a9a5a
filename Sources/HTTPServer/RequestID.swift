import Synchronization

/// Request IDs: a client's own `X-Request-Id` is kept when it is sane (1–128 characters of
/// letters, digits and `._:-`), otherwise the server makes one.
///
/// Made IDs are 16 hex digits: a random per-process prefix and a counter, so they are unique
/// across processes and restarts without a system call per request. They identify, they do
/// not authenticate: nothing may rely on them being unguessable.
public enum RequestID {
    private static let prefix: UInt64 = {
        var rng = SystemRandomNumberGenerator()
        return (rng.next() as UInt64) << 32
    }()
    private static let counter = Atomic<UInt64>(0)

    public static func generate() -> String {
        let n = counter.add(1, ordering: .relaxed).newValue
        let value = prefix ^ (n &* 0x9E37_79B9) ^ n
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    public static func isSane(_ value: String) -> Bool {
        let bytes = value.utf8
        guard !bytes.isEmpty, bytes.count <= 128 else { return false }
        return bytes.allSatisfy { b in
            (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122)
                || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: ":") || b == UInt8(ascii: "-")
        }
    }

    static func from(_ headers: [HTTPHeaders.Field]) -> String {
        for field in headers where field.name.asciiCaseInsensitiveEquals("X-Request-Id") {
            return isSane(field.value) ? field.value : generate()
        }
        return generate()
    }
}
