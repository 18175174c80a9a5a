public import Logging

/// One JSON line per request (method, path, route, status, duration, request ID, client) and
/// the request metrics, shared by the middleware and by the connection for requests that
/// never reached a handler (parse errors, timeouts).
///
/// When the logger writes through `JSONLogHandler` (as `centralita serve` does), the line is
/// written as bytes straight into its sink: the same line, without the metadata dictionary,
/// sorting and string building that made logging a sixth of a small request's cost.
public struct AccessLog: Sendable {
    let logger: Logger
    let metrics: HTTPMetrics?
    /// The JSON handler's sink, when lines can bypass the generic logging path.
    let directSink: LogSink?

    public init(logger: Logger, metrics: HTTPMetrics?) {
        self.logger = logger
        self.metrics = metrics
        self.directSink = (logger.handler as? JSONLogHandler)?.directSink
    }

    func record(request: HTTPRequest, status: Int, seconds: Double) {
        metrics?.observe(route: request.routeTemplate ?? "unmatched", method: request.method.rawValue, status: status, seconds: seconds)
        guard logger.logLevel <= .info else { return }
        let durationMs = Double(Int(seconds * 100_000)) / 100
        if let directSink {
            directSink.write(JSONLogHandler.requestLine(client: request.remoteAddress, durationMs: durationMs, method: request.method.rawValue,
                                                        path: request.path, requestID: request.requestID,
                                                        route: request.routeTemplate ?? "-", status: status))
            return
        }
        logger.info("request", metadata: [
            "requestId": .string(request.requestID),
            "method": .string(request.method.rawValue),
            "path": .string(request.path),
            "route": .string(request.routeTemplate ?? "-"),
            "status": .stringConvertible(status),
            "durationMs": .stringConvertible(durationMs),
            "client": .string(request.remoteAddress),
        ])
    }

    func connectionError(status: HTTPStatus, detail: String, requestID: String, remoteAddress: String) {
        metrics?.observe(route: "unparsed", method: "-", status: status.code, seconds: 0)
        logger.info("request refused", metadata: [
            "requestId": .string(requestID),
            "status": .stringConvertible(status.code),
            "detail": .string(detail),
            "client": .string(remoteAddress),
        ])
    }

    func flush() {
        LogSink.standardOutput.flush()
    }
}

/// Logs and measures every request; put it first so it sees the final status of each.
public struct AccessLogMiddleware: HTTPMiddleware {
    let accessLog: AccessLog
    let renderer: ProblemRenderer

    public init(accessLog: AccessLog, renderer: ProblemRenderer = ProblemRenderer()) {
        self.accessLog = accessLog
        self.renderer = renderer
    }

    public func handle(_ request: HTTPRequest, next: HTTPHandler) async throws -> HTTPResponse {
        let start = ContinuousClock.now
        let response: HTTPResponse
        do {
            response = try await next(request)
        } catch let error as any HTTPResponseError {
            response = renderer.response(for: error, requestID: request.requestID)
        } catch {
            accessLog.logger.error("unhandled error", metadata: ["requestId": .string(request.requestID), "error": .string("\(error)")])
            response = renderer.internalError(requestID: request.requestID)
        }
        let elapsed = ContinuousClock.now - start
        let (s, atto) = elapsed.components
        accessLog.record(request: request, status: response.status.code, seconds: Double(s) + Double(atto) / 1e18)
        return response
    }
}
