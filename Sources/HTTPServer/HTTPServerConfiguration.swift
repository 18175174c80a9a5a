/// Everything that shapes how the server listens and how long it waits.
public struct HTTPServerConfiguration: Sendable {
    /// Host name or address to bind; `::` takes IPv6 and IPv4, `localhost` both loopbacks.
    public var host: String = "127.0.0.1"
    /// Port to bind; 0 picks a free one (see `HTTPServer.port`).
    public var port: Int = 8080
    public var limits = HTTPParserLimits()
    public var timeouts = HTTPTimeouts()
    /// Connections beyond this are answered 503 and closed at once.
    public var maxConnections: Int = 10_000
    /// Connections one client address may hold open; more are answered 429 and closed at
    /// once, so one client cannot take all of `maxConnections`. 0: no per-client limit (behind
    /// a proxy every client has the proxy's address).
    public var maxConnectionsPerClient: Int = 256
    public var backlog: Int32 = 1024
    /// Event loops (a thread each); each connection lives on one. Defaults to one per core.
    public var eventLoops: Int = System.coreCount
    public var serverName: String = "centralita"

    public init(host: String = "127.0.0.1", port: Int = 8080) {
        self.host = host
        self.port = port
    }
}

public enum System {
    public static var coreCount: Int {
        #if canImport(Glibc)
        max(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 1)
        #else
        4
        #endif
    }
}
#if canImport(Glibc)
import Glibc
#endif
