import Foundation
import HTTPServer
import Postgres
import Telephony

/// `/api/v1/tenants/{tenantId}/numbers` (TEN-2): operators assign and remove a tenant's
/// public numbers; the tenant's admins route each to a destination.
struct NumbersRoutes: RouteCollection {
    let numbers: NumbersRepository
    let destinations: DestinationChecker
    let tenants: TenantsRepository
    let database: TenantDatabase
    let audit: AuditRecorder

    struct Assign: Decodable {
        var number: String
    }

    func register(on routes: RouteGroup) {
        routes.post("/numbers", maxBodyBytes: 1024) { request in
            let context = try await context(request)
            guard context.identity.isOperator else { throw HTTPError(.forbidden, detail: "Platform operators assign public numbers.") }
            let body = try request.decodeJSON(Assign.self)
            guard let number = PhoneNumber.e164(body.number) else {
                throw HTTPError.validation(field: "number", "must be a phone number in international form, e.g. +34 910 000 000")
            }
            do {
                let created = try await database.transaction(context.scope) { connection in
                    let created = try await numbers.create(number: number, tenantID: context.tenantID, on: connection)
                    try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "number", entityID: created.id,
                                           action: .create, before: nil, after: ["number": .string(number)], on: connection)
                    return created
                }
                return try .json(created, status: .created, headers: [
                    "Location": "/api/v1/tenants/\(context.tenantID.lowercased)/numbers/\(created.id)", "ETag": Versioning.etag(created.version)])
            } catch let error as PostgresError where error.isUniqueViolation {
                throw HTTPError(.conflict, detail: "\(number) is already assigned on the platform.", errors: [.init(field: "number", message: "is already assigned")])
            }
        }
        routes.get("/numbers") { request in
            let context = try await context(request)
            try context.requireAdmin()
            let items = try await database.read(context.scope) { try await numbers.list(on: $0) }
            return try .json(ListPage(items: items, nextCursor: nil, total: items.count))
        }
        routes.get("/numbers/{id}") { request in
            let context = try await context(request)
            try context.requireAdmin()
            let number = try await database.transaction(context.scope) { try await find(request, on: $0) }
            return try .json(number, headers: ["ETag": Versioning.etag(number.version)])
        }
        routes.patch("/numbers/{id}", maxBodyBytes: 4096) { request in
            let context = try await context(request)
            try context.requireAdmin()
            // `{}` would otherwise read as `destination: null` and take the number's route away.
            guard try MergePatch(request, allowed: ["destination"]).keys.contains("destination") else {
                throw HTTPError(.unprocessableContent, detail: "The request has invalid fields.",
                                errors: [.init(field: "destination", message: "is required (null routes the number nowhere)")])
            }
            let destination = try Self.destination(request)
            let updated = try await database.transaction(context.scope) { connection -> NumberView in
                let current = try await find(request, forUpdate: true, on: connection)
                try Versioning.check(request, current: current.version)
                if let destination { try await destinations.check(destination, field: "destination", on: connection) }
                guard let id = UUID(uuidString: current.id), let routed = try await numbers.route(id, to: destination, on: connection) else {
                    throw HTTPError(.notFound)
                }
                try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "number", entityID: current.id, action: .update,
                                       before: ["destination": Self.auditValue(current.destination)],
                                       after: ["destination": Self.auditValue(routed.destination)], on: connection)
                return routed
            }
            return try .json(updated, headers: ["ETag": Versioning.etag(updated.version)])
        }
        routes.delete("/numbers/{id}") { request in
            let context = try await context(request)
            guard context.identity.isOperator else { throw HTTPError(.forbidden, detail: "Platform operators remove public numbers.") }
            try await database.transaction(context.scope) { connection in
                let current = try await find(request, forUpdate: true, on: connection)
                guard let id = UUID(uuidString: current.id) else { throw HTTPError(.notFound) }
                try await numbers.delete(id, on: connection)
                try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "number", entityID: current.id, action: .delete,
                                       before: ["number": .string(current.number)], after: nil, on: connection)
            }
            return .noContent()
        }
    }

    private func context(_ request: HTTPRequest) async throws -> TenantContext {
        try await TenantContext.resolve(request, tenants: tenants, database: database)
    }

    private func find(_ request: HTTPRequest, forUpdate: Bool = false, on connection: PostgresConnection) async throws -> NumberView {
        guard let id = UUID(uuidString: try request.parameter("id")), let number = try await numbers.find(id, forUpdate: forUpdate, on: connection) else {
            throw HTTPError(.notFound, detail: "There is no such public number.")
        }
        return number
    }

    /// `{"destination": {…}}` or `{"destination": null}` (not routed).
    static func destination(_ request: HTTPRequest) throws -> Destination? {
        struct Body: Decodable { var destination: Destination? }
        return try request.decodeJSON(Body.self).destination
    }

    static func auditValue(_ destination: Destination?) -> AuditValue {
        guard let destination else { return .null }
        return .string(destination.type + ":" + (destination.targetID ?? { if case .external(let n) = destination { n } else { "" } }()))
    }
}
