import Foundation
import HTTPServer
import Postgres
import Telephony

/// EXT-1, EXT-2: admins create, change and delete extensions within the plan's limit;
/// members read their own. A new extension gets a platform-unique SIP username and a strong
/// SIP password, returned once; only its HA1 digest is stored.
struct ExtensionsService: Sendable {
    let database: TenantDatabase
    let extensions: ExtensionsRepository
    let users: UsersRepository
    let audit: AuditRecorder
    let sip: SIPSettings
    /// Pages of the list, kept per configuration revision (everything they show bumps it).
    let pages: ListCache

    /// Where phones register and the digest realm; one value for the platform until media
    /// nodes are assigned per tenant.
    struct SIPSettings: Sendable {
        var realm: String
        var server: String
    }

    struct Created: Encodable {
        var extensionView: ExtensionView
        var sipPassword: String

        func encode(to encoder: any Encoder) throws {
            try extensionView.encode(to: encoder)
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(sipPassword, forKey: .sipPassword)
        }

        private enum Keys: String, CodingKey { case sipPassword }
    }

    struct NewPassword: Encodable {
        var sipUsername: String
        var sipPassword: String
        var warning: String
    }

    static let fields: Set<String> = ["kind", "ownerId", "number", "name", "ringSeconds"]

    /// One page of the list as JSON: from `pages` while the tenant's configuration is unchanged.
    func list(_ context: TenantContext, kind: String?, search: String?, limit: Int, cursor: String?) async throws -> HTTPResponse {
        let owner: UUID? = context.isAdmin ? nil : try ownUser(context)
        if let kind, !["phone", "queue", "ivr"].contains(kind) { throw HTTPError.validation(field: "kind", "must be phone, queue or ivr") }
        if let cursor, cursor.count != 4 || !cursor.allSatisfy(\.isNumber) { throw HTTPError.validation(field: "cursor", "is not a cursor from this list") }
        let key = ListCache.Key(tenant: context.tenantID, list: "extensions",
                                parameters: [owner?.uuidString, kind, search, String(limit), cursor])
        return try await database.cachedList(context.scope, key: key, cache: pages) { connection in
            let page = try await extensions.list(owner: owner, kind: kind, search: search, limit: limit + 1, afterNumber: cursor,
                                                 sipServer: sip.server, on: connection)
            return ListPage(page: page.items, limit: limit, total: page.total) { $0.number }
        }
    }

    func get(_ context: TenantContext, id: UUID) async throws -> ExtensionView {
        try await database.read(context.scope) { try await accessible(id, context, on: $0) }
    }

    func devices(_ context: TenantContext, id: UUID) async throws -> [DeviceView] {
        try await database.read(context.scope) { connection in
            _ = try await accessible(id, context, on: connection)
            return try await extensions.devices(of: id, on: connection)
        }
    }

    func create(_ context: TenantContext, request: HTTPRequest) async throws -> Created {
        try context.requireAdmin()
        let patch = try MergePatch(request, allowed: Self.fields)
        var errors = FieldErrors()
        if case .absent = patch.string("number", errors: &errors) { errors.add("number", "is required") }
        let fields = Self.apply(patch, to: .init(kind: "phone", ownerID: nil, number: "", name: "", ringSeconds: 20), errors: &errors)
        try errors.throwIfAny()
        let password = SIPCredentials.password(using: Secrets.randomInt)
        return try await Self.mappingConflicts {
            try await database.transaction(context.scope) { connection in
                try await checkOwner(fields.ownerID, context, on: connection)
                let created = try await insert(fields, context, password: password, on: connection)
                return Created(extensionView: created, sipPassword: password)
            }
        }
    }

    /// Adds an extension within the plan's limit, with a fresh platform-unique SIP username and
    /// the audit row; queues and IVRs are created through it too. Runs in the caller's transaction.
    func insert(_ fields: ExtensionsRepository.Fields, _ context: TenantContext, password: String,
                on connection: PostgresConnection) async throws -> ExtensionView {
        let (count, limit) = try await extensions.countAgainstPlan(on: connection)
        if count >= limit {
            throw HTTPError(.conflict, type: "plan-limit", detail: "The plan allows \(limit) extensions and all are in use.",
                            errors: [.init(field: "maxExtensions", message: "the plan's limit of \(limit) extensions is reached")])
        }
        for _ in 0..<8 {
            let username = SIPCredentials.username(using: Secrets.randomInt)
            let ha1 = Secrets.md5Hex(SIPCredentials.ha1Input(username: username, realm: sip.realm, password: password))
            if let created = try await extensions.create(fields, tenantID: context.tenantID, sipUsername: username, ha1: ha1,
                                                         sipServer: sip.server, on: connection) {
                try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "extension", entityID: created.id,
                                       action: .create, before: nil,
                                       after: Self.auditValues(fields).merging(["sipPassword": .string("")]) { a, _ in a }, on: connection)
                return created
            }
        }
        throw HTTPError(.serviceUnavailable, detail: "Could not find a free SIP username; try again.")
    }

    func update(_ context: TenantContext, id: UUID, request: HTTPRequest) async throws -> ExtensionView {
        try context.requireAdmin()
        let patch = try MergePatch(request, allowed: Self.fields)
        return try await Self.mappingConflicts {
            try await database.combinedWrite(context.scope) { connection in
                guard let locked = try await extensions.lock(id, sipServer: sip.server, on: connection) else {
                    throw ExtensionAccess.notFound(id)
                }
                let current = locked.current
                try Versioning.check(request, current: current.version)
                let before = ExtensionsRepository.Fields(kind: current.kind, ownerID: current.ownerId.flatMap(UUID.init(uuidString:)),
                                                         number: current.number, name: current.name, ringSeconds: current.ringSeconds)
                var errors = FieldErrors()
                if case .value(let kind) = patch.string("kind", errors: &errors), kind != current.kind {
                    errors.add("kind", "cannot change; create a new extension instead")
                }
                let after = Self.apply(patch, to: before, errors: &errors)
                try errors.throwIfAny()
                if after.ownerID != before.ownerID { try await checkOwner(after.ownerID, context, on: connection) }
                // The audit row and the UPDATE leave with the COMMIT (alone) or the savepoint's
                // release (combined), which bring back their errors: one round trip less.
                let old = Self.auditValues(before), new = Self.auditValues(after)
                let changed = new.keys.filter { old[$0] != new[$0] }
                if !changed.isEmpty {
                    try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "extension", entityID: current.id,
                                           action: .update, before: old.filter { changed.contains($0.key) },
                                           after: new.filter { changed.contains($0.key) }, on: connection)
                }
                return try await extensions.update(locked, id: id, to: after, on: connection)
            }
        }
    }

    /// EXT-2: a new SIP password, shown once; devices registered with the old one stop working.
    func newSIPPassword(_ context: TenantContext, id: UUID) async throws -> NewPassword {
        try context.requireAdmin()
        let password = SIPCredentials.password(using: Secrets.randomInt)
        return try await database.transaction(context.scope) { connection in
            let current = try await accessible(id, context, forUpdate: true, on: connection)
            let ha1 = Secrets.md5Hex(SIPCredentials.ha1Input(username: current.sipUsername, realm: sip.realm, password: password))
            try await extensions.setHA1(id, ha1, on: connection)
            try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "extension", entityID: current.id, action: .update,
                                   before: ["sipPassword": .string("")], after: ["sipPassword": .string("")], on: connection)
            return NewPassword(sipUsername: current.sipUsername, sipPassword: password,
                               warning: "Phones registered with the old password lose their registration until they are given this one.")
        }
    }

    func delete(_ context: TenantContext, id: UUID) async throws {
        try context.requireAdmin()
        try await database.transaction(context.scope) { connection in
            let current = try await accessible(id, context, forUpdate: true, on: connection)
            // Nothing may be left routing calls to an extension that is gone (its own rules go with it).
            let users = try await DestinationUsersRepository().users(of: id, on: connection)
            if !users.isEmpty {
                throw HTTPError(.conflict, type: "in-use", detail: "\(current.number) is used by \(users.joined(separator: ", ")); route those elsewhere first.")
            }
            try await extensions.delete(id, on: connection)
            try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "extension", entityID: current.id, action: .delete,
                                   before: ["number": .string(current.number), "kind": .string(current.kind)], after: nil, on: connection)
        }
    }

    private func accessible(_ id: UUID, _ context: TenantContext, forUpdate: Bool = false, on connection: PostgresConnection) async throws -> ExtensionView {
        try await ExtensionAccess(extensions: extensions, sipServer: sip.server).resolve(id, context, forUpdate: forUpdate, on: connection)
    }

    private func ownUser(_ context: TenantContext) throws -> UUID {
        guard let me = context.identity.userID else { throw HTTPError(.forbidden, detail: "Member API keys see no extensions.") }
        return me
    }

    private func checkOwner(_ owner: UUID?, _ context: TenantContext, on connection: PostgresConnection) async throws {
        guard let owner else { return }
        guard let user = try await users.find(owner, on: connection), user.tenantId == context.tenantID.lowercased else {
            throw HTTPError.validation(field: "ownerId", "is not a user of this tenant")
        }
    }

    static func apply(_ patch: MergePatch, to fields: ExtensionsRepository.Fields, errors: inout FieldErrors) -> ExtensionsRepository.Fields {
        var f = fields
        if case .value(let kind) = patch.string("kind", errors: &errors) { f.kind = kind }
        switch patch.string("ownerId", errors: &errors) {
        case .absent: break
        case .null: f.ownerID = nil
        case .value(let text): if let id = UUID(uuidString: text) { f.ownerID = id } else { errors.add("ownerId", "must be a user ID") }
        }
        if case .value(let number) = patch.string("number", errors: &errors) { f.number = number }
        if case .value(let name) = patch.string("name", errors: &errors) { f.name = name.trimmingCharacters(in: .whitespaces) }
        if case .value(let seconds) = patch.integer("ringSeconds", errors: &errors) { f.ringSeconds = seconds }
        let reported = Set(errors.errors.map(\.field))
        if !["phone", "queue", "ivr"].contains(f.kind) && !reported.contains("kind") { errors.add("kind", "must be phone, queue or ivr") }
        if f.number.count != 4 || !f.number.allSatisfy({ $0.isASCII && $0.isNumber }), !reported.contains("number") {
            errors.add("number", "must be 4 digits")
        }
        if f.name.count > 100 { errors.add("name", "must have at most 100 characters") }
        // A queue's name is what the queues API requires (1 to 100 characters).
        else if f.kind == "queue" && f.name.isEmpty && !reported.contains("name") { errors.add("name", "a queue needs a name") }
        else if let problem = TextSink.displayProblem(f.name) { errors.add("name", problem) }
        if !(5...300).contains(f.ringSeconds) && !reported.contains("ringSeconds") { errors.add("ringSeconds", "must be 5 to 300 seconds") }
        if f.kind == "phone" && f.ownerID == nil && !reported.contains("ownerId") { errors.add("ownerId", "a phone extension belongs to a user") }
        return f
    }

    static func auditValues(_ f: ExtensionsRepository.Fields) -> [String: AuditValue] {
        ["kind": .string(f.kind), "ownerId": f.ownerID.map { .string($0.lowercased) } ?? .null, "number": .string(f.number),
         "name": .string(f.name), "ringSeconds": .int(f.ringSeconds)]
    }

    /// A taken internal number becomes 409 naming the field.
    static func mappingConflicts<T>(_ body: () async throws -> T) async throws -> T {
        try await UniqueConflicts.mapping(["extensions_number_key": .init(field: "number", detail: "That internal number is already used in this tenant.")], body)
    }
}
