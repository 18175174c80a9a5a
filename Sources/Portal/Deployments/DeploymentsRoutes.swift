import Foundation
import HTTPServer
import Postgres

/// `/api/v1/tenants/{tenantId}/deployments` (MED-1): what is pending, what each media node
/// has, the history; apply now, roll back, switch between automatic and manual apply.
struct DeploymentsRoutes: RouteCollection {
    let service: DeploymentService
    let repository: DeploymentsRepository
    let tenants: TenantsRepository
    let database: TenantDatabase
    let audit: AuditRecorder

    struct Status: Encodable {
        var deployMode: String
        var configRevision: Int
        var stagedRevision: Int
        /// Changes not yet compiled for the media nodes.
        var pending: Bool
        var stageError: String?
        var nodes: [NodeDeployment]
        var history: [BundleSummary]
    }

    struct Mode: Decodable { var deployMode: String }

    func register(on routes: RouteGroup) {
        routes.get("/deployments") { request in
            let context = try await resolve(request)
            return try .json(try await status(context))
        }
        routes.post("/deployments", maxBodyBytes: 1024) { request in
            let context = try await resolve(request)
            do {
                let revision = try await service.stage(context.tenantID, scope: context.scope, by: context.identity.userID)
                try await database.transaction(context.scope) { c in
                    try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "deployment", entityID: "\(revision)",
                                           action: .create, before: nil, after: ["revision": .int(revision)], on: c)
                }
            } catch let refused as DeploymentService.Refused {
                throw HTTPError(.unprocessableContent, type: "https://centralita.dev/problems/configuration-invalid",
                                detail: "The configuration has \(refused.findings.count) error(s); fix them before applying.",
                                errors: refused.findings.map { .init(field: "\($0.resource)/\($0.resourceId)\($0.field.map { ".\($0)" } ?? "")", message: $0.message) })
            }
            return try .json(try await status(context), status: .accepted)
        }
        routes.post("/deployments/{revision}/rollback", maxBodyBytes: 1024) { request in
            let context = try await resolve(request)
            guard let revision = Int(try request.parameter("revision")), revision > 0 else { throw HTTPError(.notFound) }
            let next = try await service.rollback(context.tenantID, to: revision, scope: context.scope, by: context.identity.userID)
            try await database.transaction(context.scope) { c in
                try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "deployment", entityID: "\(next)",
                                       action: .create, before: nil, after: ["revision": .int(next), "rollbackOf": .int(revision)], on: c)
            }
            return try .json(try await status(context), status: .accepted)
        }
        routes.put("/deployments/mode", maxBodyBytes: 1024) { request in
            let context = try await resolve(request)
            let body = try request.decodeJSON(Mode.self)
            guard ["auto", "manual"].contains(body.deployMode) else { throw HTTPError.validation(field: "deployMode", "must be auto or manual") }
            try await database.transaction(context.scope) { c in
                let before = try await repository.tenantState(context.tenantID, forUpdate: true, on: c)?.deployMode
                try await repository.setDeployMode(context.tenantID, body.deployMode, on: c)
                try await audit.record(tenantID: context.tenantID, actor: context.identity, entity: "tenant", entityID: context.tenantID.lowercased,
                                       action: .update, before: ["deployMode": before.map { .string($0) } ?? .null],
                                       after: ["deployMode": .string(body.deployMode)], on: c)
            }
            return try .json(try await status(context))
        }
    }

    func resolve(_ request: HTTPRequest) async throws -> TenantContext {
        let context = try await TenantContext.resolve(request, tenants: tenants, database: database)
        try context.requireAdmin()
        return context
    }

    func status(_ context: TenantContext) async throws -> Status {
        try await database.transaction(context.scope) { c in
            guard let state = try await repository.tenantState(context.tenantID, on: c) else { throw HTTPError(.notFound) }
            return Status(deployMode: state.deployMode, configRevision: state.configRevision, stagedRevision: state.stagedRevision,
                          pending: state.configRevision > state.stagedRevision, stageError: state.stageError,
                          nodes: try await repository.status(context.tenantID, on: c), history: try await repository.history(context.tenantID, on: c))
        }
    }
}
