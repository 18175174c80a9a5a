import EventLoops
import Dispatch
import Logging
import Synchronization

/// What every connection of one server shares: configuration, routing, the composed
/// middleware chain, logging and the registry of open connections.
final class ServerCore: Sendable {
    let configuration: HTTPServerConfiguration
    let router: Router
    let renderer: ProblemRenderer
    let logger: Logger
    let accessLog: AccessLog
    private let chain: HTTPHandler
    private let connections = Mutex<[ObjectIdentifier: HTTPConnection]>([:])
    /// Open connections by client address (changed only while `connections` is locked).
    private let perAddress = Mutex<[String: Int]>([:])
    private let drained = Mutex<[CheckedContinuation<Void, Never>]>([])

    init(configuration: HTTPServerConfiguration, router: Router, middleware: [any HTTPMiddleware],
         renderer: ProblemRenderer, logger: Logger, accessLog: AccessLog) {
        self.configuration = configuration
        self.router = router
        self.renderer = renderer
        self.logger = logger
        self.accessLog = accessLog
        self.chain = middleware.wrapping { request in
            switch request.storage[RouteMatchKey.self] ?? .notFound {
            case .found(let route, _):
                return try await route.handler(request)
            case .methodNotAllowed(let allowed):
                throw HTTPError(.methodNotAllowed, detail: "\(request.method) is not allowed here.",
                                headers: ["Allow": allowed.map(\.rawValue).joined(separator: ", ")])
            case .notFound:
                throw HTTPError(.notFound, detail: "There is nothing at this path.")
            }
        }
    }

    /// Runs the middleware chain and handler; whatever they throw becomes a problem response.
    func respond(to request: HTTPRequest, match: RouteMatch) async -> HTTPResponse {
        var request = request
        request.storage[RouteMatchKey.self] = match
        do {
            return try await chain(request)
        } catch let error as any HTTPResponseError {
            return renderer.response(for: error, requestID: request.requestID)
        } catch {
            logger.error("unhandled error", metadata: ["requestId": "\(request.requestID)", "error": "\(error)"])
            return renderer.internalError(requestID: request.requestID)
        }
    }

    var openConnections: Int { connections.withLock { $0.count } }

    enum Refusal: Equatable { case serverFull, clientFull }

    /// Takes the connection on, or says why not.
    func register(_ connection: HTTPConnection) -> Refusal? {
        connections.withLock { open in
            guard open.count < configuration.maxConnections else { return .serverFull }
            let perClient = configuration.maxConnectionsPerClient
            if perClient > 0 {
                let fromClient = perAddress.withLock { $0[connection.remoteAddress, default: 0] }
                guard fromClient < perClient else { return .clientFull }
            }
            perAddress.withLock { $0[connection.remoteAddress, default: 0] += 1 }
            open[ObjectIdentifier(connection)] = connection
            return nil
        }
    }

    func connectionClosed(_ connection: HTTPConnection) {
        let waiters: [CheckedContinuation<Void, Never>] = connections.withLock { open in
            if open.removeValue(forKey: ObjectIdentifier(connection)) != nil {
                perAddress.withLock { counts in
                    let left = counts[connection.remoteAddress, default: 1] - 1
                    counts[connection.remoteAddress] = left > 0 ? left : nil
                }
            }
            return open.isEmpty ? drained.withLock { w in defer { w = [] }; return w } : []
        }
        waiters.forEach { $0.resume() }
    }

    func forEachConnection(_ body: @escaping @Sendable (HTTPConnection) -> Void) {
        let all = connections.withLock { Array($0.values) }
        for connection in all { connection.loop.execute { body(connection) } }
    }

    /// Returns true once no connection is open, or false when `timeout` passes first.
    func waitUntilDrained(timeout: Duration) async -> Bool {
        let once = Mutex(false)
        return await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let finish = { @Sendable (drained: Bool) in
                if once.withLock({ done in defer { done = true }; return !done }) { continuation.resume(returning: drained) }
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout.dispatchInterval) { finish(false) }
            Task { await self.waitUntilDrained(); finish(true) }
        }
    }

    /// Returns once no connection is open.
    func waitUntilDrained() async {
        await withCheckedContinuation { continuation in
            let empty = connections.withLock { open in
                if open.isEmpty { return true }
                drained.withLock { $0.append(continuation) }
                return false
            }
            if empty { continuation.resume() }
        }
    }
}

enum RouteMatchKey: RequestStorageKey {
    typealias Value = RouteMatch
}
