import Foundation
import HTTPServer
import Postgres

extension TenantDatabase {
    /// A list page as JSON: from `cache` without a statement while it is known current (see
    /// `ListCache`), or after reading the tenant's revision, or read by `body` and stored.
    /// The revision is read first, in the same transaction and round trip as the scope: under
    /// READ COMMITTED the rows read after it are at least as new, so a page is never stored
    /// under a revision older than its rows' (a change in between only makes the next read
    /// look again).
    func cachedList<Item: Encodable & Sendable>(_ scope: Scope, key: ListCache.Key, cache: ListCache,
                                                _ body: (PostgresConnection) async throws -> ListPage<Item>) async throws -> HTTPResponse {
        guard cache.capacityBytes > 0 else { return try .json(try await read(scope, body)) }
        let (known, ticket) = cache.page(key)
        if let known { return Self.json(known) }
        let outcome = try await read(scope) { connection -> CachedListOutcome<Item> in
            let revision = try await TenantsRepository().configRevision(on: connection)
            if let revision, let cached = cache.page(key, revision: revision, ticket: ticket) { return .cached(cached) }
            return .read(try await body(connection), revision: revision)
        }
        switch outcome {
        case .cached(let bytes):
            return Self.json(bytes)
        case .read(let page, let revision):
            let bytes = try JSONCoding.encode(page)
            if let revision { cache.store(key, revision: revision, body: bytes, ticket: ticket) }
            return Self.json(bytes)
        }
    }

    private static func json(_ bytes: [UInt8]) -> HTTPResponse { .bytes(bytes, contentType: "application/json; charset=utf-8") }
}

/// What a cached list read found: the stored JSON, or a page just read (and the revision to
/// store it under; nil when there is none).
private enum CachedListOutcome<Item: Encodable & Sendable>: Sendable {
    case cached([UInt8])
    case read(ListPage<Item>, revision: Int?)
}
