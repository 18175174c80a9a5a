/// Request IDs: a client's own `X-Request-Id` is kept when it is sane (1–128 characters of
/// letters, digits and `._:-`), otherwise the server makes one.
public enum RequestID {
    public static func generate() -> String {
        var rng = SystemRandomNumberGenerator()
        let value = rng.next() as UInt64
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
