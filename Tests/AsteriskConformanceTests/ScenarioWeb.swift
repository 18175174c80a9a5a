import Dialplan
import Foundation
import HTTPServer
import Logging
import MediaAgent
import Synchronization
import TestSupport

/// The web server that HTTP notifications and name lookups call during a scenario. Tenants
/// write their addresses on `http://127.0.0.1:18999/…`; each scenario's bundle is pointed at
/// this server under a path of its own, where every address replies what the scenario says
/// (`webhooks`, `lookups`) and an unlisted one replies nothing (at once; under `slowPath`, too
/// late).
enum ScenarioWeb {
    static let placeholder = "http://127.0.0.1:18999/"
    /// Addresses under this path answer `1`, but only after 6 seconds.
    static let slowPath = "/slow"

    private static let replies = Mutex<[String: [String: String]]>([:])

    private static let server: HTTPServer? = {
        let router = Router()
        router.group("").get("/{path...}") { request in
            let parts = request.path.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: true)
            let token = parts.first.map(String.init) ?? ""
            let path = "/" + (parts.count > 1 ? String(parts[1]) : "")
            if path.hasPrefix(slowPath) {
                // Answers after every notification's time limit: the dial plan must not wait.
                try await Task.sleep(for: .seconds(6))
                return .text("1")
            }
            return .text(replies.withLock { $0[token]?[path] } ?? "")
        }
        let server = HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0), router: router, logger: testLogger("scenario-web"))
        do { try server.start() } catch { return nil }
        return server
    }()

    /// The media agent's egress proxy every node of the suite sends its dial-plan HTTP
    /// through, as a production node does; this web server is its operator allow-list.
    private static let egress: EgressProxy? = {
        guard let server else { return nil }
        let allow = EgressAllowance("127.0.0.1:\(server.port)").map { [$0] } ?? []
        let proxy = EgressProxy(settings: EgressSettings(host: "127.0.0.1", port: 0, allow: allow, timeout: 10), logger: Logger(label: "scenario-egress"))
        do { try proxy.start() } catch { return nil }
        return proxy
    }()

    /// `CENTRALITA_EGRESS_PROXY` for the suite's nodes.
    static var proxyURL: String? { egress.map { "http://127.0.0.1:\($0.port)" } }

    /// The path part of a tenant's address (`/hook`, without its query).
    static func path(_ url: String) -> String {
        let rest = url.hasPrefix(placeholder) ? String(url.dropFirst(placeholder.count - 1)) : url
        return String(rest.prefix { $0 != "?" })
    }

    /// `files` with the tenant's addresses pointed at this scenario's replies.
    static func files(_ files: [String: [UInt8]], for scenario: Scenario) -> [String: [UInt8]] {
        guard let server, scenario.webhooks != nil || scenario.lookups != nil || files.values.contains(where: { String(decoding: $0, as: UTF8.self).contains(placeholder) }) else {
            return files
        }
        let token = "s" + UUID().uuidString.prefix(8).lowercased()
        var answers: [String: String] = [:]
        for (url, reply) in (scenario.webhooks ?? [:]).merging(scenario.lookups ?? [:], uniquingKeysWith: { a, _ in a }) { answers[path(url)] = reply }
        replies.withLock { $0[token] = answers }
        let target = "http://127.0.0.1:\(server.port)/\(token)/"
        return files.mapValues { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            return text.contains(placeholder) ? Array(text.replacingOccurrences(of: placeholder, with: target).utf8) : bytes
        }
    }
}
