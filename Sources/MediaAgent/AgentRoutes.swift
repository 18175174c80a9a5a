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
    /// Where bundle bodies are spooled while they arrive.
    let spoolDirectory: String

    private struct Applied: Encodable {
        var tenant: String
        var revision: Int
        var checksum: String
        var unchanged: Bool
    }

    func register(on routes: RouteGroup) {
        routes.get("/healthz") { _ in try .json(["status": "ok"]) }
        routes.on(.get, "/v1/tenants/{tenant}", headGate: signedHead) { request in
            try bodyMatches(request)
            let tenant = try request.parameter("tenant")
            guard BundlePayload.isSafeTenant(tenant) else { throw HTTPError(.notFound, detail: "no tenant \(tenant)") }
            guard let state = try await store.state(of: tenant) else { throw HTTPError(.notFound, detail: "nothing applied for \(tenant)") }
            return try .json(state)
        }
        routes.on(.get, "/v1/tenants", headGate: signedHead) { request in
            try bodyMatches(request)
            return try .json(["tenants": try await store.tenants()])
        }
        // A tenant deleted or moved off this node (the portal's tombstone): its tree goes and
        // Asterisk no longer lists its phones, numbers, queues or mailboxes.
        routes.on(.delete, "/v1/tenants/{tenant}", headGate: signedHead) { request in
            try bodyMatches(request)
            let tenant = try request.parameter("tenant")
            do {
                let removed = try await store.remove(tenant, reload: reload)
                logger.info("tenant removed", metadata: ["tenant": "\(tenant)", "present": "\(removed)"])
                return try .json(["tenant": tenant, "removed": removed ? "yes" : "already absent"])
            } catch let error as BundleStore.ApplyError {
                logger.warning("tenant removal failed", metadata: ["tenant": "\(tenant)", "error": "\(error)"])
                switch error {
                case .invalid: throw HTTPError(.unprocessableContent, detail: error.description)
                default: throw HTTPError(.badGateway, detail: error.description)
                }
            }
        }
        routes.on(.post, NodeCommandBatch.path, maxBodyBytes: 64 << 10, headGate: signedHead) { request in
            try bodyMatches(request)
            return try .json(try await commands(request))
        }
        // The head is verified before the body is read; the body goes to disk as it arrives,
        // and is checked, read and decoded on a Dispatch thread: the event loop stays free
        // (health checks, other requests) however large the bundle.
        routes.put("/v1/tenants/{tenant}/bundle", maxBodyBytes: 256 << 20, headGate: signedUpload) { request in
            let tenant = try request.parameter("tenant")
            guard let upload = request.bodySink as? BundleUpload else { throw HTTPError(.badRequest, detail: "no bundle body") }
            let payload = try await BlockingIO.run { () throws(HTTPError) -> BundlePayload in
                let body: Data
                do { body = try upload.verifiedBody() } catch let mismatch as BundleUpload.Failure {
                    throw HTTPError(.unauthorized, detail: mismatch.description)
                } catch {
                    throw HTTPError(.internalServerError, detail: "the spooled bundle could not be read: \(error)")
                }
                do { return try Self.bundleDecoder().decode(BundlePayload.self, from: body) } catch {
                    throw HTTPError(.unprocessableContent, detail: "the body is not a bundle: \(error)")
                }
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

    /// Which manager command loads each file of a tenant's tree, in the order they run
    /// (endpoints and mailboxes before the dial plan that dials them).
    static let moduleReloads: [(file: String, command: String)] = [
        ("pjsip.conf", "module reload res_pjsip.so"),
        ("voicemail.conf", "voicemail reload"),
        ("queues.conf", "module reload app_queue.so"),
        ("musiconhold.conf", "moh reload"),
        ("extensions.conf", "dialplan reload"),
        ("inbound.conf", "dialplan reload"),
    ]

    /// The manager commands for the files that changed, each once.
    static func commands(for changed: Set<String>) -> [String] {
        var commands: [String] = []
        for (file, command) in moduleReloads where changed.contains(file) && !commands.contains(command) { commands.append(command) }
        return commands
    }

    /// Runs every reload command; the first failure stops and explains.
    @Sendable func reload(_ scope: BundleStore.ReloadScope) async throws {
        let tenant = scope.tenant
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
        let selective = configuration.reloadAsterisk ? Self.commands(for: scope.changed) : []
        let commands = selective + configuration.amiReloadCommands.map { $0.replacingOccurrences(of: "{tenant}", with: tenant) }
        guard !commands.isEmpty || configuration.reloadAsterisk else { return }
        guard let ami = configuration.ami else { throw ReloadFailure(description: "AMI reload commands need the AMI settings") }
        let deadline = Date().addingTimeInterval(configuration.commandTimeout)
        let logPath = configuration.asteriskLog
        let logStart = logPath.flatMap { try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int } ?? 0
        let verify = configuration.reloadAsterisk
        let gone = verify ? scope.dropped.endpoints : []
        let outputs = try await BlockingIO.run { () throws -> [String] in
            let connection = try AMIConnection(ami, deadline: deadline)
            try connection.login(ami, events: "off", deadline: deadline)
            defer { try? connection.send([("Action", "Logoff")]) }
            // Phones of endpoints that are going: their registrations (kept in Asterisk's
            // database, `registrar/contact/<aor>;@<hash>`) go with them, or the node would go on
            // qualifying and listing them.
            if !gone.isEmpty {
                let listing = try connection.action([("Action", "Command"), ("Command", "database show registrar/contact")], id: "contacts",
                                                    deadline: deadline)["Output"] ?? ""
                for (i, key) in Self.contactKeys(in: listing, of: gone).enumerated() {
                    _ = try connection.action([("Action", "DBDel"), ("Family", "registrar/contact"), ("Key", key)], id: "contact-\(i)", deadline: deadline)
                }
            }
            for (i, command) in commands.enumerated() {
                _ = try connection.command(command, id: "reload-\(i)", deadline: deadline)
            }
            guard verify else { return [] }
            // A listing of nothing is an error reply ("no voicemail users"): its output is empty.
            return try AsteriskInventory.commands.enumerated().map { i, command in
                try connection.action([("Action", "Command"), ("Command", command)], id: "check-\(i)", deadline: deadline)["Output"] ?? ""
            }
        }
        if !commands.isEmpty { logger.info("asterisk reloaded", metadata: ["tenant": "\(tenant)", "commands": "\(commands.joined(separator: "; "))"]) }
        guard verify else { return }
        let loaded = AsteriskInventory.parse(outputs)
        let missing = scope.wanted.subtracting(loaded)
        let lingering = scope.dropped.intersection(loaded)
        // Asterisk may refuse a file and keep what it had (a duplicate object, a syntax error):
        // its own ERROR lines say so even when everything the bundle declares was already loaded.
        let said = logPath.map { Self.problems(in: $0, from: logStart) } ?? []
        let refused = said.filter { $0.hasPrefix("ERROR[") }
        guard missing.isEmpty && lingering.isEmpty && refused.isEmpty else {
            var words: [String] = []
            if !missing.isEmpty { words.append("Asterisk did not load \(missing.summary)") }
            if !lingering.isEmpty { words.append("Asterisk still has \(lingering.summary)") }
            if !said.isEmpty { words.append("Asterisk said: " + said.joined(separator: " | ")) }
            throw ReloadFailure(description: words.joined(separator: "; "))
        }
    }

    /// The database keys of the registrations of `aors`, from `database show registrar/contact`
    /// (`/registrar/contact/100000001;@a460b1e8…   : {…}`).
    static func contactKeys(in listing: String, of aors: Set<String>) -> [String] {
        listing.split(separator: "\n").compactMap { line in
            let l = line.drop { $0 == " " }
            guard l.hasPrefix("/registrar/contact/") else { return nil }
            let key = l.dropFirst("/registrar/contact/".count).prefix { $0 != " " && $0 != ":" }
            guard let aor = key.split(separator: ";").first, aors.contains(String(aor)) else { return nil }
            return String(key)
        }
    }

    /// WARNING and ERROR lines written to Asterisk's log since `offset` (at most 10, without
    /// their timestamps).
    static func problems(in path: String, from offset: Int) -> [String] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        try? handle.seek(toOffset: UInt64(max(0, offset)))
        let text = String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
        return text.split(separator: "\n").filter { $0.contains("WARNING[") || $0.contains("ERROR[") }.suffix(10).map { line in
            guard let level = line.range(of: "WARNING[") ?? line.range(of: "ERROR[") else { return String(line) }
            return String(line[level.lowerBound...])
        }
    }

    struct ReloadFailure: Error, CustomStringConvertible { let description: String }
}
