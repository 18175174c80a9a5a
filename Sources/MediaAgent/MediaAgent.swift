public import Foundation
public import HTTPServer
public import Logging

/// The media-node side of deployment: receives signed bundles from the portal and applies them
/// to the Asterisk configuration folder atomically.
public final class MediaAgent: Sendable {
    public let configuration: AgentConfiguration
    public let server: HTTPServer

    public init(configuration: AgentConfiguration, logger: Logger, clock: @escaping @Sendable () -> Int = { Int(Date().timeIntervalSince1970) }) throws {
        self.configuration = configuration
        if configuration.installIncludes {
            let changed = try AsteriskIncludes.install(in: configuration.configDirectory)
            if !changed.isEmpty { logger.info("tenant includes installed", metadata: ["files": "\(changed.joined(separator: ","))"]) }
        } else {
            try FileManager.default.createDirectory(atPath: configuration.configDirectory + "/tenants", withIntermediateDirectories: true)
        }
        let router = Router()
        router.group("").mount(AgentRoutes(configuration: configuration, store: BundleStore(configDirectory: configuration.configDirectory),
                                           replays: ReplayGuard(window: 600), logger: logger, clock: clock))
        var http = HTTPServerConfiguration(host: configuration.host, port: configuration.port)
        http.eventLoops = 1
        server = HTTPServer(configuration: http, router: router, logger: logger)
    }

    public func start() throws { try server.start() }
    public var port: Int { server.port }
    public func shutdown() async { await server.shutdown() }
}
