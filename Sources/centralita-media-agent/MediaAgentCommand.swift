import ArgumentParser
import Foundation
import HTTPServer
import Logging
import MediaAgent

/// `centralita-media-agent`: runs beside Asterisk and applies the portal's signed bundles.
@main
struct MediaAgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "centralita-media-agent",
        abstract: "Apply Centralita configuration bundles to an Asterisk node.")

    @Option(help: "Address to listen on (env CENTRALITA_AGENT_HOST; default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on (env CENTRALITA_AGENT_PORT; default 8090).")
    var port: Int?

    @Option(name: .customLong("config-dir"), help: "Asterisk's configuration folder (env CENTRALITA_AGENT_CONFIG_DIR; default /etc/asterisk).")
    var configDirectory: String?

    @Option(name: .customLong("secret-file"), help: "File holding the shared secret registered for this node in the portal (env CENTRALITA_AGENT_SECRET_FILE).")
    var secretFile: String?

    @Option(name: .customLong("reload-command"), parsing: .singleValue,
            help: "Command run after each apply, split on spaces; repeatable; `{tenant}` is the tenant key. Example: --reload-command 'asterisk -rx \"dialplan reload\"' is better written as a script.")
    var reloadCommands: [String] = []

    @Option(name: .customLong("ami-reload-command"), parsing: .singleValue,
            help: "Asterisk CLI command run through AMI after each apply (e.g. \"dialplan reload\"); repeatable; `{tenant}` is the tenant key.")
    var amiReloadCommands: [String] = []

    @Flag(name: .customLong("reload-asterisk"),
          help: "Reload through AMI only what each bundle changed, then check Asterisk lists everything the bundle declares (recommended; needs --ami-username).")
    var reloadAsterisk = false

    @Option(name: .customLong("asterisk-log"), help: "Asterisk's messages log, quoted when a reload fails (e.g. /var/log/asterisk/messages.log).")
    var asteriskLog: String?

    @Option(name: .customLong("command-timeout"), help: "Seconds a reload command may run (default 30).")
    var commandTimeout: Double = 30

    @Flag(name: .customLong("no-install-includes"), help: "Do not add the #include lines for tenant trees to the main Asterisk files.")
    var noInstallIncludes = false

    @Option(name: .customLong("ami-host"), help: "Asterisk Manager Interface host for events (env CENTRALITA_AGENT_AMI_HOST; default 127.0.0.1).")
    var amiHost: String?

    @Option(name: .customLong("ami-port"), help: "AMI port (default 5038).")
    var amiPort: Int = 5038

    @Option(name: .customLong("ami-username"), help: "AMI user allowed to read `user` events (env CENTRALITA_AGENT_AMI_USERNAME).")
    var amiUsername: String?

    @Option(name: .customLong("ami-secret-file"), help: "File with that AMI user's secret (env CENTRALITA_AGENT_AMI_SECRET_FILE).")
    var amiSecretFile: String?

    @Option(name: .customLong("portal-url"), help: "The portal's address, for reporting events (env CENTRALITA_AGENT_PORTAL_URL).")
    var portalURL: String?

    @Option(name: .customLong("node-id"), help: "This node's ID in the portal (env CENTRALITA_AGENT_NODE_ID).")
    var nodeID: String?

    @Option(name: .customLong("egress-listen"),
            help: "Where the egress proxy for the dial plan's HTTP requests listens, e.g. 127.0.0.1:8091 (env CENTRALITA_AGENT_EGRESS_LISTEN; default off: the dial plan's requests then fail, never go direct).")
    var egressListen: String?

    @Option(name: .customLong("egress-allow"), parsing: .singleValue,
            help: "A private host the dial plan may call: host name or CIDR, optionally :port (without one, 80 and 443); repeatable (env CENTRALITA_AGENT_EGRESS_ALLOW, comma-separated).")
    var egressAllow: [String] = []

    @Option(name: .customLong("egress-timeout"), help: "Seconds one outbound request may take, end to end.")
    var egressTimeout: Double = 10

    @Option(name: .customLong("egress-max-bytes"), help: "Largest response (or tunnel, each way) in bytes.")
    var egressMaxBytes: Int = 1 << 20

    @Option(name: .customLong("spool-dir"), help: "Where bundle bodies are spooled while they arrive (env CENTRALITA_AGENT_SPOOL_DIR; default TMPDIR).")
    var spoolDirectory: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (default info).")
    var logLevel: String = "info"

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        guard let level = Logger.Level(rawValue: logLevel) else { throw ValidationError("unknown log level \(logLevel)") }
        LoggingSystem.bootstrap { JSONLogHandler(label: $0, level: level) }
        let logger = Logger(label: "media-agent")
        guard let secretPath = secretFile ?? env["CENTRALITA_AGENT_SECRET_FILE"] else {
            throw ValidationError("--secret-file (or CENTRALITA_AGENT_SECRET_FILE) is required")
        }
        guard let secretData = FileManager.default.contents(atPath: secretPath) else { throw ValidationError("cannot read \(secretPath)") }
        let secret = String(decoding: secretData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard secret.count >= 16 else { throw ValidationError("the secret in \(secretPath) must have at least 16 characters") }
        var configuration = AgentConfiguration(configDirectory: configDirectory ?? env["CENTRALITA_AGENT_CONFIG_DIR"] ?? "/etc/asterisk",
                                               secret: Array(secret.utf8))
        configuration.host = host ?? env["CENTRALITA_AGENT_HOST"] ?? "127.0.0.1"
        configuration.port = port ?? env["CENTRALITA_AGENT_PORT"].flatMap { Int($0) } ?? 8090
        configuration.reloadCommands = reloadCommands.map { $0.split(separator: " ").map(String.init) }.filter { !$0.isEmpty }
        configuration.commandTimeout = commandTimeout
        configuration.installIncludes = !noInstallIncludes
        if let user = amiUsername ?? env["CENTRALITA_AGENT_AMI_USERNAME"], let file = amiSecretFile ?? env["CENTRALITA_AGENT_AMI_SECRET_FILE"] {
            guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
            configuration.ami = .init(host: amiHost ?? env["CENTRALITA_AGENT_AMI_HOST"] ?? "127.0.0.1", port: amiPort, username: user,
                                      secret: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        if let url = portalURL ?? env["CENTRALITA_AGENT_PORTAL_URL"], let node = nodeID ?? env["CENTRALITA_AGENT_NODE_ID"], !url.isEmpty, !node.isEmpty {
            configuration.portal = .init(url: url, nodeID: node)
        }
        configuration.amiReloadCommands = amiReloadCommands
        configuration.egress = try egressSettings(env)
        configuration.spoolDirectory = spoolDirectory ?? env["CENTRALITA_AGENT_SPOOL_DIR"]
        configuration.reloadAsterisk = reloadAsterisk
        configuration.asteriskLog = asteriskLog
        if reloadAsterisk && configuration.ami == nil {
            throw ValidationError("--reload-asterisk needs --ami-username and --ami-secret-file")
        }
        if !amiReloadCommands.isEmpty && configuration.ami == nil {
            throw ValidationError("--ami-reload-command needs --ami-username and --ami-secret-file")
        }
        let agent = try MediaAgent(configuration: configuration, logger: logger)
        try agent.start()
        logger.notice("media agent listening", metadata: ["url": "http://\(configuration.host):\(agent.port)", "configDir": "\(configuration.configDirectory)"])
        await Signals.waitForTermination()
        await agent.shutdown()
        LogSink.standardOutput.flush()
    }

    /// The egress proxy's settings from the options, or nil when none is asked for.
    func egressSettings(_ env: [String: String]) throws -> EgressSettings? {
        let listen = egressListen ?? env["CENTRALITA_AGENT_EGRESS_LISTEN"] ?? "off"
        guard listen != "off" && !listen.isEmpty else { return nil }
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65_535).contains(port) else {
            throw ValidationError("--egress-listen must be address:port (e.g. 127.0.0.1:8091) or off")
        }
        let host = listen[..<colon].trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let entries = egressAllow + (env["CENTRALITA_AGENT_EGRESS_ALLOW"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let allow = try entries.filter { !$0.isEmpty }.map { entry in
            guard let allowance = EgressAllowance(entry) else { throw ValidationError("--egress-allow \(entry): not a host name or address block") }
            return allowance
        }
        guard egressTimeout > 0, egressTimeout <= 3600, egressMaxBytes > 0, egressMaxBytes <= 1 << 30 else {
            throw ValidationError("--egress-timeout must be 0–3600 s and --egress-max-bytes 1 B–1 GiB")
        }
        return EgressSettings(host: host, port: port, allow: allow, timeout: egressTimeout, maxBytes: egressMaxBytes)
    }
}
