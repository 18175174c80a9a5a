import HTTPServer
/// The one shape every list answers with (API.md): `{items, nextCursor, total}`.
struct ListPage<Item: Encodable & Sendable>: Encodable, Sendable {
    var items: [Item]
    var nextCursor: String?
    var total: Int

    /// Always writes `nextCursor`, as `null` on the last page.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(nextCursor, forKey: .nextCursor)
        try container.encode(total, forKey: .total)
    }

    private enum CodingKeys: String, CodingKey { case items, nextCursor, total }
}

extension ListPage {
    /// A page from rows read with `limit + 1`: the extra row only says there is a next page,
    /// whose cursor is the last shown row's.
    init(page rows: [Item], limit: Int, total: Int, cursor: (Item) -> String) {
        var items = rows
        var next: String?
        if items.count > limit {
            items.removeLast()
            next = items.last.map(cursor)
        }
        self.init(items: items, nextCursor: next, total: total)
    }
}

extension ListPage: JSONObjectWritable {
    func writeJSONMembers(to object: inout JSONObjectWriter) throws {
        try object.field("items", items)
        try object.field("nextCursor", nextCursor)
        object.field("total", total)
    }
}

extension HTTPRequest {
    /// The `cursor` query parameter; an empty `cursor=` (what a client sends for the first
    /// page when it echoes `nextCursor` blindly) means the first page, like no cursor.
    var cursor: String? {
        guard let text = queryValue("cursor"), !text.isEmpty else { return nil }
        return text
    }
}
