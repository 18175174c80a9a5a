/// Header fields as an ordered list. A list (not a dictionary) keeps duplicates visible, which
/// is what lets the parser refuse a second, different `Content-Length`.
public struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    public struct Field: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    public private(set) var fields: [Field] = []

    public init() {}
    public init(_ pairs: [(String, String)]) {
        fields = pairs.map { Field(name: $0.0, value: $0.1) }
    }
    public init(fields: [Field]) {
        self.fields = fields
    }
    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    public var count: Int { fields.count }
    public func makeIterator() -> IndexingIterator<[Field]> { fields.makeIterator() }

    /// The first value of the named field (case-insensitive).
    public subscript(name: String) -> String? {
        get {
            for field in fields where field.name.asciiCaseInsensitiveEquals(name) { return field.value }
            return nil
        }
        set {
            remove(name)
            if let newValue { fields.append(Field(name: name, value: newValue)) }
        }
    }

    /// Every value of the named field, in order.
    public func values(_ name: String) -> [String] {
        fields.compactMap { $0.name.asciiCaseInsensitiveEquals(name) ? $0.value : nil }
    }

    public func contains(_ name: String) -> Bool { self[name] != nil }

    public mutating func add(_ name: String, _ value: String) {
        fields.append(Field(name: name, value: value))
    }

    public mutating func remove(_ name: String) {
        fields.removeAll { $0.name.asciiCaseInsensitiveEquals(name) }
    }

    /// Comma-separated list elements across all fields of this name, trimmed and lowercased.
    public func tokens(_ name: String) -> [String] {
        values(name).flatMap { $0.split(separator: ",") }
            .map { $0.trimmingOWS().lowercased() }
            .filter { !$0.isEmpty }
    }
}

extension StringProtocol {
    @inlinable
    func asciiCaseInsensitiveEquals(_ other: some StringProtocol) -> Bool {
        let a = self.utf8, b = other.utf8
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) where x != y {
            let lx = (x >= 65 && x <= 90) ? x | 0x20 : x
            let ly = (y >= 65 && y <= 90) ? y | 0x20 : y
            if lx != ly { return false }
        }
        return true
    }

    /// Whether this text starts with `prefix` (lowercase ASCII), ignoring ASCII case.
    public func asciiCaseInsensitiveHasPrefix(_ prefix: String) -> Bool {
        guard utf8.count >= prefix.utf8.count else { return false }
        return Substring(self).utf8.prefix(prefix.utf8.count).elementsEqual(prefix.utf8) { x, y in
            ((x >= 65 && x <= 90) ? x | 0x20 : x) == y
        }
    }

    func trimmingOWS() -> String {
        var scalars = Substring(self)
        while let f = scalars.first, f == " " || f == "\t" { scalars.removeFirst() }
        while let l = scalars.last, l == " " || l == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
