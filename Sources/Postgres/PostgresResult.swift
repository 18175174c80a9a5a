import CLibPQ

/// Owns one libpq result (cleared in deinit); rows read straight from it without copying.
public final class PostgresResult: @unchecked Sendable {
    // Immutable after creation; libpq results may be read from any thread.
    private let result: OpaquePointer
    public let rowCount: Int
    public let columnCount: Int
    public let columnNames: [String]
    private let columnIndex: [String: Int]
    @usableFromInline let oids: [UInt32]
    /// Rows affected, for INSERT/UPDATE/DELETE/COPY (from the command tag).
    public let affectedRows: Int

    init(_ result: OpaquePointer) {
        self.result = result
        rowCount = Int(PQntuples(result))
        columnCount = Int(PQnfields(result))
        var names: [String] = []
        var oids: [UInt32] = []
        var index: [String: Int] = [:]
        for c in 0..<columnCount {
            let name = String(cString: PQfname(result, Int32(c)))
            names.append(name)
            oids.append(UInt32(PQftype(result, Int32(c))))
            if index[name] == nil { index[name] = c }
        }
        columnNames = names
        self.oids = oids
        columnIndex = index
        affectedRows = Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    deinit { PQclear(result) }

    @usableFromInline func isNull(row: Int, column: Int) -> Bool { PQgetisnull(result, Int32(row), Int32(column)) == 1 }

    @usableFromInline func withValue<T>(row: Int, column: Int, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        let pointer = PQgetvalue(result, Int32(row), Int32(column))
        let length = Int(PQgetlength(result, Int32(row), Int32(column)))
        return body(UnsafeRawBufferPointer(start: pointer, count: length))
    }

    @usableFromInline func index(of column: String) -> Int? { columnIndex[column] }
}

/// The rows of a result.
public struct PostgresRows: Sendable, RandomAccessCollection {
    public let result: PostgresResult
    public var startIndex: Int { 0 }
    public var endIndex: Int { result.rowCount }
    public subscript(position: Int) -> PostgresRow { PostgresRow(result: result, index: position) }
    public var affectedRows: Int { result.affectedRows }
    public var columns: [String] { result.columnNames }
}

/// One row; values decode by type, and a failure names column, index and both types.
public struct PostgresRow: Sendable {
    @usableFromInline let result: PostgresResult
    public let index: Int

    /// Inlinable, so callers decode through a specialized copy rather than generic dispatch.
    @inlinable
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, at column: Int) throws -> T {
        guard column >= 0 && column < result.columnCount else {
            throw PostgresError(.decoding, "column index \(column) is out of range (the row has \(result.columnCount) columns)")
        }
        let name = result.columnNames[column]
        let oid = result.oids[column]
        if result.isNull(row: index, column: column) {
            guard let null = T.nullValue else {
                throw PostgresError(.decoding, "column \"\(name)\" (index \(column), \(PostgresOID.name(oid))) is NULL but \(T.postgresTypeName) was requested",
                                    column: name)
            }
            return null
        }
        let value = result.withValue(row: index, column: column) { T.decode($0, oid: oid) }
        guard let value else {
            let text = result.withValue(row: index, column: column) { String(decoding: $0.prefix(40), as: UTF8.self) }
            throw PostgresError(.decoding, "column \"\(name)\" (index \(column)) of type \(PostgresOID.name(oid)) cannot be decoded as \(T.postgresTypeName): \"\(text)\"",
                                column: name)
        }
        return value
    }

    @inlinable
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, _ column: String) throws -> T {
        guard let i = result.index(of: column) else {
            throw PostgresError(.decoding, "the row has no column \"\(column)\" (it has \(result.columnNames.joined(separator: ", ")))")
        }
        return try decode(type, at: i)
    }

    public func isNull(_ column: String) -> Bool {
        guard let i = result.index(of: column) else { return true }
        return result.isNull(row: index, column: i)
    }
}
