import Dialplan
import Foundation
import HTTPServer
import MediaProtocol
import Postgres

/// `POST …/simulate` (a call through the current, maybe not yet applied, configuration),
/// `POST …/validate` (the "Test" report) and `GET …/compiled` (the bundle, for inspection).
struct CallPlanRoutes: RouteCollection {
    let snapshots: SnapshotRepository
    let tenants: TenantsRepository
    let database: TenantDatabase
    let options: CompileOptions

    struct Validation: Encodable {
        var revision: Int
        var valid: Bool
        var errors: Int
        var warnings: Int
        var findings: [Finding]
    }

    /// The bundle with its secrets redacted (HA1s, mailbox PINs, identify passwords, agent PIN
    /// hashes): for everyone, operators included. The checksum is of these redacted files: the
    /// real bundle's checksum would let anyone try every 4-digit PIN against it offline.
    struct Compiled: Encodable {
        var tenant: String
        var configRevision: Int
        var checksum: String
        var redacted = true
        var files: [String: String]
    }

    func register(on routes: RouteGroup) {
        routes.post("/simulate", maxBodyBytes: 16 * 1024) { request in
            let context = try await TenantContext.resolve(request, tenants: tenants, database: database)
            let scenario: Scenario
            try RequestStrings.refuseNUL(inJSON: request.body)
            do { scenario = try JSONCoding.decode(Scenario.self, from: request.body) } catch {
                throw HTTPError(.unprocessableContent, detail: "The scenario is not valid: \(Self.describe(error))",
                                errors: [.init(field: Self.field(error) ?? "body", message: "is missing or has the wrong type")])
            }
            let snapshot = try await load(context)
            let plan = DialplanCompiler.plan(snapshot, options: options)
            if !context.isAdmin {
                guard let user = context.identity.userID?.uuidString.lowercased(), Self.target(of: scenario.to, in: snapshot)?.ownerID == user else {
                    throw HTTPError(.forbidden, detail: "Members may simulate calls to their own extensions only.")
                }
            }
            let language = request.queryValue("lang") ?? snapshot.language
            let trace = Simulator(plan: plan, reportedToggles: snapshot.ruleToggles, language: language).run(scenario)
            return try .json(trace)
        }
        routes.post("/validate", maxBodyBytes: 1024) { request in
            let context = try await TenantContext.resolve(request, tenants: tenants, database: database)
            try context.requireAdmin()
            let snapshot = try await load(context)
            let findings = Validator(snapshot).findings()
            let errors = findings.filter { $0.severity == .error }.count
            return try .json(Validation(revision: snapshot.revision, valid: errors == 0, errors: errors, warnings: findings.count - errors, findings: findings))
        }
        routes.get("/compiled") { request in
            let context = try await TenantContext.resolve(request, tenants: tenants, database: database)
            try context.requireAdmin()
            let snapshot = try await load(context)
            var redacting = options
            redacting.redactSecrets = true
            let bundle = DialplanCompiler.compile(snapshot, options: redacting)
            let files = bundle.files.mapValues { String(decoding: $0, as: UTF8.self) }
            return try .json(Compiled(tenant: bundle.tenant, configRevision: snapshot.revision, checksum: BundlePayload.checksum(of: bundle.files), files: files),
                             headers: ["Content-Disposition": "attachment; filename=\"\(bundle.tenant)-r\(snapshot.revision).json\""])
        }
    }

    func load(_ context: TenantContext) async throws -> TenantSnapshot {
        guard let snapshot = try await database.transaction(context.scope, repeatableRead: true, {
            try await snapshots.load(tenantID: context.tenantID, on: $0)
        }) else { throw HTTPError(.notFound) }
        return snapshot
    }

    /// The extension a dialled number reaches first (internal number, or a public number routed to it).
    static func target(of number: String, in snapshot: TenantSnapshot) -> TenantSnapshot.Extension? {
        if let e = snapshot.extensions.first(where: { $0.number == number }) { return e }
        guard let routed = snapshot.publicNumbers.first(where: { $0.number == number })?.destination else { return nil }
        switch routed {
        case .extensionTarget(let id), .voicemail(let id): return snapshot.extensions.first { $0.id == id }
        default: return nil
        }
    }

    static func field(_ error: any Error) -> String? {
        guard let e = error as? DecodingError else { return nil }
        switch e {
        case .keyNotFound(let key, let ctx): return (ctx.codingPath + [key]).map(\.stringValue).joined(separator: ".")
        case .typeMismatch(_, let ctx), .valueNotFound(_, let ctx), .dataCorrupted(let ctx):
            return ctx.codingPath.isEmpty ? nil : ctx.codingPath.map(\.stringValue).joined(separator: ".")
        @unknown default: return nil
        }
    }

    static func describe(_ error: any Error) -> String {
        guard let field = field(error) else { return "the body must be a JSON object with to, from, at (an ISO 8601 time), devices and keys" }
        return "\(field) is missing or has the wrong type"
    }
}
