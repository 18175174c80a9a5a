import Foundation
import HTTPServer
import Logging
import MediaProtocol

/// `PUT /v1/tenants/{t}/bundle` applies a signed bundle; `GET /v1/tenants/{t}` reports what is
/// applied; `POST /v1/commands` carries live changes out through AMI; `GET /healthz` answers unsigned.
struct AgentRoutes: RouteCollection {
    let configuration: AgentConfiguration
    let store: BundleStore
    let replays: ReplayGuard
    let logger: Logger
    let clock: @Sendable () -> Int

    private struct Applied: Encodable {
        var tenant: String
        var revision: Int
        var checksum: String
        var unchanged: Bool
    }

    func register(on routes: RouteGroup) {
        routes.get("/healthz") { _ in try .json(["status": "ok"]) }
        routes.get("/v1/tenants/{tenant}") { request in
            try verify(request)
            let tenant = try request.parameter("tenant")
            guard BundlePayload.isSafeTenant(tenant) else { throw HTTPError(.notFound, detail: "no tenant \(tenant)") }
            guard let state = try await store.state(of: tenant) else { throw HTTPError(.notFound, detail: "nothing applied for \(tenant)") }
            return try .json(state)
        }
        routes.post(NodeCommandBatch.path, maxBodyBytes: 64 << 10) { request in
            try verify(request)
            return try .json(try await commands(request))
        }
        routes.put("/v1/tenants/{tenant}/bundle", maxBodyBytes: 256 << 20) { request in
            try verify(request)
            let tenant = try request.parameter("tenant")
            let payload: BundlePayload
            do { payload = try JSONCoding.decode(BundlePayload.self, from: request.body) } catch {
                throw HTTPError(.unprocessableContent, detail: "the body is not a bundle: \(error)")
            }
            guard payload.tenant == tenant else { throw HTTPError(.unprocessableContent, detail: "the bundle is for \(payload.tenant), not \(tenant)") }
            do {
                let outcome = try await store.apply(payload, reload: reload)
                logger.info("bundle applied", metadata: ["tenant": "\(tenant)", "revision": "\(payload.revision)", "outcome": "\(outcome)"])
                return try .json(Applied(tenant: tenant, revision: payload.revision, checksum: payload.checksum, unchanged: outcome == .unchanged))
            } catch let error as BundleStore.ApplyError {
                logger.warning("bundle refused", metadata: ["tenant": "\(tenant)", "revision": "\(payload.revision)", "error": "\(error)"])
                switch error {
                case .invalid: throw HTTPError(.unprocessableContent, detail: error.description)
                case .older, .conflict: throw HTTPError(.conflict, detail: error.description)
                case .reloadFailed: throw HTTPError(.badGateway, detail: error.description)
                }
            }
        }
    }

    /// Runs each command as its manager action on one AMI connection, in order. A refusal is
    /// reported per command (the rest still run); no connection at all is 502.
    func commands(_ request: HTTPRequest) async throws -> NodeCommandResults {
        let batch: NodeCommandBatch
        do { batch = try JSONCoding.decode(NodeCommandBatch.self, from: request.body) } catch {
            throw HTTPError(.unprocessableContent, detail: "the body is not a command batch: \(error)")
        }
        if let problem = batch.problem { throw HTTPError(.unprocessableContent, detail: problem) }
        guard let ami = configuration.ami else {
            throw HTTPError(.serviceUnavailable, detail: "this node has no manager connection configured (--ami-host)")
        }
        let deadline = Date().addingTimeInterval(configuration.commandTimeout)
        do {
            let results = try await BlockingIO.run { () throws -> [NodeCommandResults.Result] in
                let connection = try AMIConnection(ami, deadline: deadline)
                try connection.login(ami, events: "off", deadline: deadline)
                defer { try? connection.send([("Action", "Logoff")]) }
                return try batch.commands.enumerated().map { i, command in
                    let reply = try connection.action(command.managerFields, id: "command-\(i)", deadline: deadline)
                    let message = reply["Message"] ?? ""
                    return .init(ok: reply["Response"] == "Success" || NodeCommand.alreadyDone(message), message: message)
                }
            }
            logger.info("commands run", metadata: ["tenant": "\(batch.tenant)", "count": "\(results.count)", "failed": "\(results.filter { !$0.ok }.count)"])
            return NodeCommandResults(results: results)
        } catch {
            logger.warning("commands failed", metadata: ["tenant": "\(batch.tenant)", "error": "\(error)"])
            throw HTTPError(.badGateway, detail: "the manager interface failed: \(error)")
        }
    }

    func verify(_ request: HTTPRequest) throws {
        do {
            try RequestSignature.verify(secret: configuration.secret, method: request.method.rawValue, path: request.target, body: request.body,
                                        now: clock(), replays: replays) { request.headers[$0] }
        } catch {
            throw HTTPError(.unauthorized, detail: error.description)
        }
    }

    /// Runs every reload command; the first failure stops and explains.
    @Sendable func reload(_ tenant: String) async throws {
        for command in configuration.reloadCommands {
            let argv = command.map { $0.replacingOccurrences(of: "{tenant}", with: tenant) }
            let result = try await CommandRunner.run(argv, timeout: configuration.commandTimeout)
            if result.timedOut {
                throw ReloadFailure(description: "`\(argv.joined(separator: " "))` did not finish within \(Int(configuration.commandTimeout)) s")
            }
            if result.status != 0 {
                throw ReloadFailure(description: "`\(argv.joined(separator: " "))` exited \(result.status): \(result.output.prefix(500))")
            }
        }
        if !configuration.amiReloadCommands.isEmpty {
            guard let ami = configuration.ami else { throw ReloadFailure(description: "AMI reload commands need the AMI settings") }
            let commands = configuration.amiReloadCommands
            let deadline = Date().addingTimeInterval(configuration.commandTimeout)
            try await BlockingIO.run {
                let connection = try AMIConnection(ami, deadline: deadline)
                try connection.login(ami, events: "off", deadline: deadline)
                for (i, command) in commands.enumerated() {
                    _ = try connection.command(command.replacingOccurrences(of: "{tenant}", with: tenant), id: "reload-\(i)", deadline: deadline)
                }
                try? connection.send([("Action", "Logoff")])
            }
        }
    }

    struct ReloadFailure: Error, CustomStringConvertible { let description: String }
}
