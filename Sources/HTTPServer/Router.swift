import Synchronization

public typealias HTTPHandler = @Sendable (HTTPRequest) async throws -> HTTPResponse

/// A middleware sees every request of the routes it wraps before their handler and every
/// response after it. Chains are composed once, at registration, not per request.
public protocol HTTPMiddleware: Sendable {
    func handle(_ request: HTTPRequest, next: HTTPHandler) async throws -> HTTPResponse
}

extension Array where Element == any HTTPMiddleware {
    /// `handler` wrapped so that the first middleware runs first.
    func wrapping(_ handler: @escaping HTTPHandler) -> HTTPHandler {
        reversed().reduce(handler) { next, middleware in
            { request in try await middleware.handle(request, next: next) }
        }
    }
}

/// A registered route: its template, body limit and fully composed handler.
public struct Route: Sendable {
    public let method: HTTPMethod
    public let template: String
    public let maxBodyBytes: Int?
    let handler: HTTPHandler
    /// Checks the head before the body is read (see `HTTPHeadGate`).
    let headGate: HTTPHeadGate?
    /// The handler runs on the event loop that received the request, also after it waits
    /// (see `RouteGroup.light`); otherwise it continues on Swift's cooperative pool.
    let staysOnLoop: Bool
}

/// The result of looking a request up.
public enum RouteMatch: Sendable {
    case found(Route, parameters: [String: String])
    case notFound
    case methodNotAllowed(allowed: [HTTPMethod])

    public var maxBodyBytes: Int? {
        if case .found(let route, _) = self { return route.maxBodyBytes }
        return nil
    }
}

/// Method + path-template routing on a segment trie: literal segments beat `{param}` segments,
/// which beat a final `{name...}` catch-all. `HEAD` is answered by the `GET` route.
public final class Router: Sendable {
    private final class Node: @unchecked Sendable {
        // Mutated only while routes are registered, before the router is shared.
        var literals: [String: Node] = [:]
        var parameter: (name: String, node: Node)?
        var catchAll: (name: String, routes: [HTTPMethod: Route])?
        var routes: [HTTPMethod: Route] = [:]
    }

    private let root = Node()
    private let registered = Mutex<[Route]>([])

    public init() {}

    /// Every registered route, in registration order (for documentation checks).
    public var routes: [Route] { registered.withLock { $0 } }

    public func group(_ prefix: String, middleware: [any HTTPMiddleware] = []) -> RouteGroup {
        RouteGroup(router: self, prefix: Router.normalize(prefix), middleware: middleware)
    }

    func add(_ method: HTTPMethod, _ template: String, maxBodyBytes: Int?, headGate: HTTPHeadGate? = nil, staysOnLoop: Bool = false,
             handler: @escaping HTTPHandler) {
        let route = Route(method: method, template: template, maxBodyBytes: maxBodyBytes, handler: handler, headGate: headGate,
                          staysOnLoop: staysOnLoop)
        var node = root
        let segments = Router.segments(template)
        for (index, segment) in segments.enumerated() {
            if segment.hasPrefix("{") && segment.hasSuffix("...}") {
                precondition(index == segments.count - 1, "a catch-all must be the last segment: \(template)")
                let name = String(segment.dropFirst().dropLast(4))
                var routes = node.catchAll?.routes ?? [:]
                precondition(routes[method] == nil, "duplicate route \(method) \(template)")
                routes[method] = route
                node.catchAll = (name, routes)
                registered.withLock { $0.append(route) }
                return
            } else if segment.hasPrefix("{") && segment.hasSuffix("}") {
                let name = String(segment.dropFirst().dropLast())
                if let existing = node.parameter {
                    precondition(existing.name == name, "conflicting parameter names at \(template)")
                    node = existing.node
                } else {
                    let child = Node()
                    node.parameter = (name, child)
                    node = child
                }
            } else {
                if let child = node.literals[String(segment)] {
                    node = child
                } else {
                    let child = Node()
                    node.literals[String(segment)] = child
                    node = child
                }
            }
        }
        precondition(node.routes[method] == nil, "duplicate route \(method) \(template)")
        node.routes[method] = route
        registered.withLock { $0.append(route) }
    }

    public func match(_ method: HTTPMethod, path: String) -> RouteMatch {
        var parameters: [String: String] = [:]
        guard let routes = Router.find(root, Router.segments(path)[...], &parameters) else { return .notFound }
        if let route = routes[method] ?? (method == .head ? routes[.get] : nil) {
            return .found(route, parameters: parameters)
        }
        var allowed = Set(routes.keys)
        if allowed.contains(.get) { allowed.insert(.head) }
        return .methodNotAllowed(allowed: allowed.sorted { $0.rawValue < $1.rawValue })
    }

    private static func find(_ node: Node, _ segments: ArraySlice<Substring>, _ parameters: inout [String: String]) -> [HTTPMethod: Route]? {
        guard let segment = segments.first else {
            if !node.routes.isEmpty { return node.routes }
            return node.catchAll.map { parameters[$0.name] = ""; return $0.routes }
        }
        guard let decoded: String = PercentDecoding.decode(String(segment)) else { return nil }
        let rest = segments.dropFirst()
        if let child = node.literals[String(decoded)], let found = find(child, rest, &parameters) { return found }
        if let (name, child) = node.parameter, !decoded.isEmpty {
            var attempt = parameters
            attempt[name] = String(decoded)
            if let found = find(child, rest, &attempt) {
                parameters = attempt
                return found
            }
        }
        if let (name, routes) = node.catchAll {
            let remainder = segments.compactMap { PercentDecoding.decode(String($0)) }
            guard remainder.count == segments.count else { return nil }
            parameters[name] = remainder.joined(separator: "/")
            return routes
        }
        return nil
    }

    static func segments(_ path: String) -> [Substring] {
        var segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        if segments.last == "" { segments = segments.dropLast() }
        return Array(segments)
    }

    static func normalize(_ prefix: String) -> String {
        var p = prefix
        while p.hasSuffix("/") { p.removeLast() }
        if !p.isEmpty && !p.hasPrefix("/") { p = "/" + p }
        return p
    }
}

/// Routes under a common prefix sharing middleware; groups nest.
public struct RouteGroup: Sendable {
    let router: Router
    let prefix: String
    let middleware: [any HTTPMiddleware]
    var staysOnLoop = false

    public func group(_ prefix: String, middleware: [any HTTPMiddleware] = []) -> RouteGroup {
        RouteGroup(router: router, prefix: self.prefix + Router.normalize(prefix), middleware: self.middleware + middleware,
                   staysOnLoop: staysOnLoop)
    }

    /// The same group, for handlers that only wait (for the database) and do little work
    /// between waits — lists and single reads. They stay on their event loop from start to
    /// answer, which spares two thread hand-offs per request. Anything that computes for long
    /// (compiling a dial plan, simulating, hashing) must not be registered here: it would hold
    /// up every other connection of its loop.
    public var light: RouteGroup {
        var group = self
        group.staysOnLoop = true
        return group
    }

    /// Mounts a collection of routes at `prefix` below this group.
    public func mount(_ collection: some RouteCollection, at prefix: String = "", middleware: [any HTTPMiddleware] = []) {
        collection.register(on: group(prefix, middleware: middleware))
    }

    public func on(_ method: HTTPMethod, _ path: String, maxBodyBytes: Int? = nil, headGate: HTTPHeadGate? = nil, _ handler: @escaping HTTPHandler) {
        let template = (prefix + Router.normalize(path)).isEmpty ? "/" : prefix + Router.normalize(path)
        router.add(method, template, maxBodyBytes: maxBodyBytes, headGate: headGate, staysOnLoop: staysOnLoop, handler: middleware.wrapping(handler))
    }

    public func get(_ path: String, _ handler: @escaping HTTPHandler) { on(.get, path, handler) }
    public func post(_ path: String, maxBodyBytes: Int? = nil, _ handler: @escaping HTTPHandler) { on(.post, path, maxBodyBytes: maxBodyBytes, handler) }
    public func put(_ path: String, maxBodyBytes: Int? = nil, headGate: HTTPHeadGate? = nil, _ handler: @escaping HTTPHandler) {
        on(.put, path, maxBodyBytes: maxBodyBytes, headGate: headGate, handler)
    }
    public func patch(_ path: String, maxBodyBytes: Int? = nil, _ handler: @escaping HTTPHandler) { on(.patch, path, maxBodyBytes: maxBodyBytes, handler) }
    public func delete(_ path: String, _ handler: @escaping HTTPHandler) { on(.delete, path, handler) }
}

/// A set of routes that can be mounted at any prefix (one per resource folder in the portal).
public protocol RouteCollection: Sendable {
    func register(on routes: RouteGroup)
}
