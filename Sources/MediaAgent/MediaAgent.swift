public import Foundation
public import HTTPServer
public import Logging
import MediaProtocol

/// The media-node side of deployment: receives signed bundles from the portal and applies them
/// to the Asterisk configuration folder atomically.
public final class MediaAgent: Sendable {
    public let configuration: AgentConfiguration
    public let server: HTTPServer
    let reader: AMIEventReader?
    let forwarder: EventForwarder?
    public let egress: EgressProxy?

    public init(configuration: AgentConfiguration, logger: Logger, clock: @escaping @Sendable () -> Int = { Int(Date().timeIntervalSince1970) }) throws {
        self.configuration = configuration
        if configuration.installIncludes {
            let changed = try AsteriskIncludes.install(in: configuration.configDirectory)
            if !changed.isEmpty { logger.info("tenant includes installed", metadata: ["files": "\(changed.joined(separator: ","))"]) }
        } else {
            try FileManager.default.createDirectory(atPath: configuration.configDirectory + "/tenants", withIntermediateDirectories: true)
        }
        let router = Router()
        let spool = configuration.spoolDirectory ?? NSTemporaryDirectory()
        try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: true)
        router.group("").mount(AgentRoutes(configuration: configuration, store: BundleStore(configDirectory: configuration.configDirectory),
                                           replays: ReplayGuard(), logger: logger, clock: clock, spoolDirectory: spool))
        var http = HTTPServerConfiguration(host: configuration.host, port: configuration.port)
        http.eventLoops = 1
        server = HTTPServer(configuration: http, router: router, logger: logger)
        egress = configuration.egress.map { EgressProxy(settings: $0, logger: logger) }
        if let ami = configuration.ami, let portal = configuration.portal {
            let forwarder = EventForwarder(settings: .init(portalURL: portal.url, nodeID: portal.nodeID, secret: configuration.secret), logger: logger)
            self.forwarder = forwarder
            reader = AMIEventReader(settings: ami, logger: logger,
                                    onEvent: { forwarder.accept($0) })
        } else {
            forwarder = nil
            reader = nil
        }
    }

    public func start() throws {
        try server.start()
        try egress?.start()
        forwarder?.start()
        reader?.start()
    }

    public var port: Int { server.port }

    public func shutdown() async {
        reader?.stop()
        forwarder?.stop()
        egress?.stop()
        await server.shutdown()
    }
}
