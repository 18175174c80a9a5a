import Dialplan
import Foundation
import HTTPServer
import MediaProtocol
import Postgres

/// Turns a tenant's current configuration into a numbered bundle and points its media nodes
/// at it — for automatic mode (the deployer), "Apply" in manual mode, and rollbacks.
struct DeploymentService: Sendable {
    let database: TenantDatabase
    let repository: DeploymentsRepository
    let snapshots: SnapshotRepository
    let options: CompileOptions

    struct Refused: Error {
        let findings: [Finding]
    }

    /// Compiles the current configuration. Refuses (without changing anything but the stage
    /// error) while the validator reports errors. Returns the bundle revision the nodes want.
    @discardableResult
    func stage(_ tenantID: UUID, scope: TenantDatabase.Scope, by user: UUID?) async throws -> Int {
        let outcome = try await database.transaction(scope, repeatableRead: true) { c -> Result<Int, Refused> in
            guard let state = try await repository.tenantState(tenantID, on: c), let snapshot = try await snapshots.load(tenantID: tenantID, on: c) else {
                throw HTTPError(.notFound)
            }
            let errors = Validator(snapshot).findings().filter { $0.severity == .error }
            if !errors.isEmpty {
                let summary = "\(errors.count) error(s) block applying: " + errors.prefix(3).map(\.message).joined(separator: " ")
                try await repository.markStaged(tenantID, configRevision: state.configRevision, error: summary, on: c)
                return .failure(Refused(findings: errors))
            }
            let bundle = DialplanCompiler.compile(snapshot, options: options)
            let checksum = BundlePayload.checksum(of: bundle.files)
            let latest = try await repository.latestBundle(tenantID, on: c)
            var revision = latest?.revision ?? 0
            if latest?.checksum != checksum {
                revision += 1
                try await repository.insertBundle(tenantID, revision: revision, configRevision: snapshot.revision, checksum: checksum,
                                                  files: bundle.files, rollbackOf: nil, createdBy: user, on: c)
            }
            if revision > 0 { try await repository.setDesired(tenantID, revision: revision, on: c) }
            try await repository.markStaged(tenantID, configRevision: state.configRevision, error: nil, on: c)
            return .success(revision)
        }
        return try outcome.get()
    }

    /// A new revision carrying exactly the files of an earlier one.
    func rollback(_ tenantID: UUID, to revision: Int, scope: TenantDatabase.Scope, by user: UUID?) async throws -> Int {
        try await database.transaction(scope) { c in
            guard let old = try await repository.bundleFiles(tenantID, revision: revision, on: c) else {
                throw HTTPError(.notFound, detail: "There is no revision \(revision) in the history.")
            }
            let next = (try await repository.latestBundle(tenantID, on: c)?.revision ?? 0) + 1
            try await repository.insertBundle(tenantID, revision: next, configRevision: old.configRevision, checksum: BundlePayload.checksum(of: old.files),
                                              files: old.files, rollbackOf: revision, createdBy: user, on: c)
            try await repository.setDesired(tenantID, revision: next, on: c)
            return next
        }
    }
}
