public import HTTPServer
public import Logging

/// A live server on a free loopback port for the duration of `body`, shut down afterwards
/// even when `body` throws.
public func withTestServer<T: Sendable>(
    router: Router, middleware: [any HTTPMiddleware]? = nil,
    configure: (inout HTTPServerConfiguration) -> Void = { _ in },
    _ body: (HTTPServer) async throws -> T
) async throws -> T {
    var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: 0)
    configure(&configuration)
    var logger = Logger(label: "test-server")
    logger.logLevel = .critical
    let accessLog = AccessLog(logger: logger, metrics: nil)
    let server = HTTPServer(configuration: configuration, router: router,
                            middleware: middleware ?? [AccessLogMiddleware(accessLog: accessLog), CompressionMiddleware()],
                            logger: logger, accessLog: accessLog)
    try server.start()
    do {
        let result = try await body(server)
        await server.shutdown()
        return result
    } catch {
        await server.shutdown()
        throw error
    }
}

/// A quiet logger for tests.
public func testLogger(_ label: String = "test") -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = .critical
    return logger
}
