import Foundation
import HTTPServer
import Postgres

/// A media node as the operator registered it.
struct MediaNode: Codable, Sendable, Equatable {
    var id: String
    var name: String
    var url: String
    var version: Int
    var createdAt: Date
    var updatedAt: Date
}

/// Deployment state of one tenant on one node.
struct NodeDeployment: Codable, Sendable, Equatable {
    var nodeId: String
    var nodeName: String
    var desiredRevision: Int
    var appliedRevision: Int
    var checksum: String?
    var state: String
    var error: String?
    var attempts: Int
    var nextAttemptAt: Date?
    var updatedAt: Date
    var appliedAt: Date?
}

/// One compiled revision in the history.
struct BundleSummary: Codable, Sendable, Equatable {
    var revision: Int
    var configRevision: Int
    var checksum: String
    var rollbackOf: Int?
    var createdBy: String?
    var createdAt: Date
}

/// A push the deployer owes a node.
struct DueDeployment: Sendable {
    var tenantID: UUID
    var nodeID: UUID
    var tenantKey: String
    var revision: Int
    var attempts: Int
    var url: String
    var secret: String
}

/// A node that serves a tenant, for live commands.
struct ServingNode: Sendable {
    var id: String
    var name: String
    var url: String
    var secret: String
    var tenantKey: String
}

/// The SQL of deployments, compiled bundles and media nodes.
struct DeploymentsRepository: Sendable {
    struct TenantDeployState: Sendable {
        var configRevision: Int
        var stagedRevision: Int
        var deployMode: String
        var stageError: String?
    }

    func tenantState(_ tenantID: UUID, forUpdate: Bool = false, on c: PostgresConnection) async throws -> TenantDeployState? {
        try await c.query("""
            SELECT app_config_revision(id) AS config_revision, staged_revision, deploy_mode, stage_error
              FROM tenants WHERE id = \(tenantID)\(unsafeRaw: forUpdate ? " FOR UPDATE" : "")
            """).first.map { row in
            TenantDeployState(configRevision: try row.decode(Int.self, "config_revision"), stagedRevision: try row.decode(Int.self, "staged_revision"),
                              deployMode: try row.decode(String.self, "deploy_mode"), stageError: try row.decode(String?.self, "stage_error"))
        }
    }

    func setDeployMode(_ tenantID: UUID, _ mode: String, on c: PostgresConnection) async throws {
        try await c.query("UPDATE tenants SET deploy_mode = \(mode) WHERE id = \(tenantID)")
    }

    /// Marks the configuration up to `configRevision` as handled (compiled, or refused with `error`).
    func markStaged(_ tenantID: UUID, configRevision: Int, error: String?, on c: PostgresConnection) async throws {
        try await c.query("UPDATE tenants SET staged_revision = \(configRevision), stage_error = \(error) WHERE id = \(tenantID)")
        try await c.query("""
            DELETE FROM config_outbox WHERE tenant_id = \(tenantID) AND revision <= \(configRevision)
            """)
    }

    /// Tenants in automatic mode with changes not yet compiled (operator scope).
    func tenantsToStage(limit: Int = 100, on c: PostgresConnection) async throws -> [UUID] {
        try await c.query("SELECT id FROM app_tenants_to_stage(\(limit)::int) AS id").map { try $0.decode(UUID.self, "id") }
    }

    func latestBundle(_ tenantID: UUID, on c: PostgresConnection) async throws -> (revision: Int, checksum: String)? {
        try await c.query("""
            SELECT revision, checksum FROM deployment_bundles WHERE tenant_id = \(tenantID) ORDER BY revision DESC LIMIT 1
            """).first.map { (try $0.decode(Int.self, "revision"), try $0.decode(String.self, "checksum")) }
    }

    func insertBundle(_ tenantID: UUID, revision: Int, configRevision: Int, checksum: String, files: [String: [UInt8]], rollbackOf: Int?,
                      createdBy: UUID?, on c: PostgresConnection) async throws {
        let encoded = files.mapValues { Data($0).base64EncodedString() }
        try await c.query("""
            INSERT INTO deployment_bundles (tenant_id, revision, config_revision, checksum, files, rollback_of, created_by)
            VALUES (\(tenantID), \(revision), \(configRevision), \(checksum), \(try PostgresJSON(encoded)), \(rollbackOf), \(createdBy))
            """)
        // Keep the last 50 revisions.
        try await c.query("DELETE FROM deployment_bundles WHERE tenant_id = \(tenantID) AND revision <= \(revision - 50)")
    }

    func bundleFiles(_ tenantID: UUID, revision: Int, on c: PostgresConnection) async throws -> (configRevision: Int, files: [String: [UInt8]])? {
        guard let row = try await c.query("""
            SELECT config_revision, files FROM deployment_bundles WHERE tenant_id = \(tenantID) AND revision = \(revision)
            """).first else { return nil }
        let encoded = try row.decode(PostgresJSON.self, "files").decode([String: String].self)
        return (try row.decode(Int.self, "config_revision"), encoded.mapValues { Array(Data(base64Encoded: $0) ?? Data()) })
    }

    func history(_ tenantID: UUID, on c: PostgresConnection) async throws -> [BundleSummary] {
        try await c.query("""
            SELECT revision, config_revision, checksum, rollback_of, created_by::text AS created_by, created_at
            FROM deployment_bundles WHERE tenant_id = \(tenantID) ORDER BY revision DESC LIMIT 50
            """).map { row in
            BundleSummary(revision: try row.decode(Int.self, "revision"), configRevision: try row.decode(Int.self, "config_revision"),
                          checksum: try row.decode(String.self, "checksum"), rollbackOf: try row.decode(Int?.self, "rollback_of"),
                          createdBy: try row.decode(String?.self, "created_by"), createdAt: try row.decode(Date.self, "created_at"))
        }
    }

    /// Points every node of the tenant at `revision`.
    func setDesired(_ tenantID: UUID, revision: Int, on c: PostgresConnection) async throws {
        try await c.query("""
            UPDATE deployments SET desired_revision = \(revision), state = CASE WHEN applied_revision = \(revision) THEN 'applied' ELSE 'pending' END,
                error = NULL, attempts = 0, next_attempt_at = now(), updated_at = now()
            WHERE tenant_id = \(tenantID)
            """)
        try await c.query("SELECT pg_notify('centralita_deploy', \(tenantID.uuidString.lowercased()))")
    }

    func status(_ tenantID: UUID, on c: PostgresConnection) async throws -> [NodeDeployment] {
        try await c.query("""
            SELECT d.node_id::text AS node_id, n.name, d.desired_revision, d.applied_revision, d.applied_checksum, d.state, d.error, d.attempts,
                   CASE WHEN d.desired_revision <> d.applied_revision THEN d.next_attempt_at END AS next_attempt_at, d.updated_at, d.applied_at
            FROM deployments d JOIN media_nodes n ON n.id = d.node_id WHERE d.tenant_id = \(tenantID) ORDER BY n.name
            """).map { row in
            NodeDeployment(nodeId: try row.decode(String.self, "node_id"), nodeName: try row.decode(String.self, "name"),
                           desiredRevision: try row.decode(Int.self, "desired_revision"), appliedRevision: try row.decode(Int.self, "applied_revision"),
                           checksum: try row.decode(String?.self, "applied_checksum"), state: try row.decode(String.self, "state"),
                           error: try row.decode(String?.self, "error"), attempts: try row.decode(Int.self, "attempts"),
                           nextAttemptAt: try row.decode(Date?.self, "next_attempt_at"), updatedAt: try row.decode(Date.self, "updated_at"),
                           appliedAt: try row.decode(Date?.self, "applied_at"))
        }
    }

    /// Pushes that are due now (operator scope); `applying` rows left by a crashed leader count
    /// as due after a minute.
    /// Tenants with a deployment due, found across tenants by a definer function (tenant
    /// IDs only); each tenant's deployments are then read in its own scope with `due`.
    func tenantsWithDueDeployments(limit: Int = 100, on c: PostgresConnection) async throws -> [UUID] {
        try await c.query("SELECT id FROM app_tenants_with_due_deployments(\(limit)::int) AS id").map { try $0.decode(UUID.self, "id") }
    }

    /// The scoped tenant's deployments that are due.
    func due(on c: PostgresConnection) async throws -> [DueDeployment] {
        try await c.query("""
            SELECT d.tenant_id, d.node_id, 't' || t.dial_key AS tenant_key, d.desired_revision, d.attempts, n.url, app_node_secret(n.id) AS secret
            FROM deployments d JOIN tenants t ON t.id = d.tenant_id JOIN media_nodes n ON n.id = d.node_id
            WHERE d.desired_revision <> d.applied_revision AND d.desired_revision > 0 AND d.next_attempt_at <= now()
              AND (d.state <> 'applying' OR d.updated_at < now() - interval '1 minute')
            ORDER BY d.next_attempt_at LIMIT 100
            """).map { row in
            DueDeployment(tenantID: try row.decode(UUID.self, "tenant_id"), nodeID: try row.decode(UUID.self, "node_id"),
                          tenantKey: try row.decode(String.self, "tenant_key"), revision: try row.decode(Int.self, "desired_revision"),
                          attempts: try row.decode(Int.self, "attempts"), url: try row.decode(String.self, "url"), secret: try row.decode(String.self, "secret"))
        }
    }

    func markApplying(_ d: DueDeployment, on c: PostgresConnection) async throws {
        try await c.query("UPDATE deployments SET state = 'applying', updated_at = now() WHERE tenant_id = \(d.tenantID) AND node_id = \(d.nodeID)")
    }

    func markApplied(_ d: DueDeployment, checksum: String, on c: PostgresConnection) async throws {
        try await c.query("""
            UPDATE deployments SET applied_revision = \(d.revision), applied_checksum = \(checksum), applied_at = now(), updated_at = now(),
                state = CASE WHEN desired_revision = \(d.revision) THEN 'applied' ELSE 'pending' END, error = NULL, attempts = 0
            WHERE tenant_id = \(d.tenantID) AND node_id = \(d.nodeID)
            """)
    }

    func markFailed(_ d: DueDeployment, error: String, retryIn seconds: Double, on c: PostgresConnection) async throws {
        try await c.query("""
            UPDATE deployments SET state = 'failed', error = \(String(error.prefix(2000))), attempts = attempts + 1, updated_at = now(),
                next_attempt_at = now() + make_interval(secs => \(seconds))
            WHERE tenant_id = \(d.tenantID) AND node_id = \(d.nodeID) AND desired_revision = \(d.revision)
            """)
    }

    /// A push that failed because its node was unreachable, due now: the node answers again.
    func retryNow(_ d: DueDeployment, on c: PostgresConnection) async throws {
        try await c.query("""
            UPDATE deployments SET next_attempt_at = now()
            WHERE tenant_id = \(d.tenantID) AND node_id = \(d.nodeID) AND desired_revision = \(d.revision) AND state = 'failed'
            """)
    }

    /// The nodes serving a tenant, with what it takes to call them (operator scope), and the
    /// tenant's key.
    func servingNodes(_ tenantID: UUID, on c: PostgresConnection) async throws -> [ServingNode] {
        try await c.query("""
            SELECT n.id::text AS id, n.name, n.url, app_node_secret(n.id) AS secret, 't' || t.dial_key AS tenant_key
            FROM deployments d JOIN media_nodes n ON n.id = d.node_id JOIN tenants t ON t.id = d.tenant_id
            WHERE d.tenant_id = \(tenantID) ORDER BY n.name
            """).map { row in
            ServingNode(id: try row.decode(String.self, "id"), name: try row.decode(String.self, "name"), url: try row.decode(String.self, "url"),
                        secret: try row.decode(String.self, "secret"), tenantKey: try row.decode(String.self, "tenant_key"))
        }
    }

    /// Every media node with its address and secret (operator scope), for reconciliation.
    func nodesWithSecrets(on c: PostgresConnection) async throws -> [(id: UUID, url: String, secret: String)] {
        try await c.query("SELECT id, url, app_node_secret(id) AS secret FROM media_nodes ORDER BY name").map { row in
            (try row.decode(UUID.self, "id"), try row.decode(String.self, "url"), try row.decode(String.self, "secret"))
        }
    }

    /// The tenant keys (`t<dial key>`) assigned to a node, whatever the scope.
    func assignedKeys(node: UUID, on c: PostgresConnection) async throws -> Set<String> {
        Set(try await c.query("SELECT app_node_tenant_keys(\(node)) AS key").map { try $0.decode(String.self, "key") })
    }

    // MARK: media nodes (operator)

    static let nodeColumns = "id::text AS id, name, url, version, created_at, updated_at"

    static func decodeNode(_ row: PostgresRow) throws -> MediaNode {
        MediaNode(id: try row.decode(String.self, "id"), name: try row.decode(String.self, "name"), url: try row.decode(String.self, "url"),
                  version: try row.decode(Int.self, "version"), createdAt: try row.decode(Date.self, "created_at"),
                  updatedAt: try row.decode(Date.self, "updated_at"))
    }

    func nodes(on c: PostgresConnection) async throws -> [MediaNode] {
        try await c.query("SELECT \(unsafeRaw: Self.nodeColumns) FROM media_nodes ORDER BY name").map(Self.decodeNode)
    }

    func node(_ id: UUID, on c: PostgresConnection) async throws -> MediaNode? {
        try await c.query("SELECT \(unsafeRaw: Self.nodeColumns) FROM media_nodes WHERE id = \(id)").first.map(Self.decodeNode)
    }

    func createNode(name: String, url: String, secret: String, on c: PostgresConnection) async throws -> MediaNode {
        guard let row = try await c.query("""
            INSERT INTO media_nodes (name, url, secret) VALUES (\(name), \(url), \(secret)) RETURNING \(unsafeRaw: Self.nodeColumns)
            """).first else { throw PostgresError(.client, "INSERT returned no row") }
        return try Self.decodeNode(row)
    }

    func updateNode(_ id: UUID, name: String, url: String, secret: String?, on c: PostgresConnection) async throws -> MediaNode? {
        let updated = try await c.query("""
            UPDATE media_nodes SET name = \(name), url = \(url), version = version + 1, updated_at = now()
            WHERE id = \(id) RETURNING \(unsafeRaw: Self.nodeColumns)
            """).first.map(Self.decodeNode)
        // Set apart: the portal's role may write the secret but not read it (no coalesce).
        if let secret, let node = updated {
            try await c.query("UPDATE media_nodes SET secret = \(secret) WHERE id = \(UUID(uuidString: node.id) ?? id)")
        }
        return updated
    }

    func deleteNode(_ id: UUID, on c: PostgresConnection) async throws -> Bool {
        try await c.query("DELETE FROM media_nodes WHERE id = \(id) RETURNING id").first != nil
    }

    /// Assigns the tenant to the node, wanting the tenant's latest compiled revision there.
    func assign(_ tenantID: UUID, node: UUID, on c: PostgresConnection) async throws {
        let latest = try await latestBundle(tenantID, on: c)?.revision ?? 0
        try await c.query("""
            INSERT INTO deployments (tenant_id, node_id, desired_revision) VALUES (\(tenantID), \(node), \(latest))
            ON CONFLICT (tenant_id, node_id) DO NOTHING
            """)
        // Stage again after this commits: a bundle being staged at this moment (not yet
        // committed, so not `latest` here) would otherwise set the desired revision of every
        // node but this one, which would stay on the older revision for good.
        try await c.query("UPDATE tenants SET staged_revision = 0 WHERE id = \(tenantID)")
    }

    /// Ends the assignment; at commit the deployer is told to take the tenant off the node.
    func unassign(_ tenantID: UUID, node: UUID, on c: PostgresConnection) async throws -> Bool {
        let removed = try await c.query("DELETE FROM deployments WHERE tenant_id = \(tenantID) AND node_id = \(node) RETURNING node_id").first != nil
        if removed { try await c.query("SELECT pg_notify('centralita_reconcile', '')") }
        return removed
    }

    func recordToggle(_ tenantID: UUID, extensionNumber: String, code: Int, active: Bool, on c: PostgresConnection) async throws {
        try await c.query("""
            INSERT INTO rule_toggles (tenant_id, extension_number, code, active) VALUES (\(tenantID), \(extensionNumber), \(code), \(active))
            ON CONFLICT (tenant_id, extension_number, code) DO UPDATE SET active = excluded.active, reported_at = now()
            """)
    }
}
