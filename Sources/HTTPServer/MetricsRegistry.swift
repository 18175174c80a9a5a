import Foundation
import Synchronization

/// A small Prometheus registry. Families are kept where they are updated (`HTTPMetrics` for
/// requests) or read at scrape time (gauges from collectors, such as open connections and the
/// database pool); `render()` writes them all in the text exposition format.
public final class MetricsRegistry: Sendable {
    public typealias Gauge = (name: String, help: String, labels: [String: String], value: Double)

    private let collectors = Mutex<[@Sendable () -> [Gauge]]>([])
    private let renderers = Mutex<[@Sendable () -> String]>([])

    public init() {}

    /// Adds a block of ready-made exposition text (families kept elsewhere, like HTTPMetrics).
    public func addRenderer(_ renderer: @escaping @Sendable () -> String) {
        renderers.withLock { $0.append(renderer) }
    }

    /// Registers gauges computed at scrape time (open connections, pool sizes …).
    public func addCollector(_ collector: @escaping @Sendable () -> [Gauge]) {
        collectors.withLock { $0.append(collector) }
    }

    /// The Prometheus text format (version 0.0.4).
    public func render() -> String {
        var out = renderers.withLock { $0 }.map { $0() }.joined()
        var gauges: [String: (help: String, samples: [String: Double])] = [:]
        for sample in collectors.withLock({ $0 }).flatMap({ $0() }) {
            gauges[sample.name, default: (sample.help, [:])].samples[MetricsRegistry.render(sample.labels)] = sample.value
        }
        for name in gauges.keys.sorted() {
            guard let family = gauges[name] else { continue }
            out += "# HELP \(name) \(family.help)\n# TYPE \(name) gauge\n"
            for key in family.samples.keys.sorted() {
                out += "\(name)\(key) \(MetricsRegistry.format(family.samples[key] ?? 0))\n"
            }
        }
        return out
    }

    static func render(_ labels: [String: String]) -> String {
        guard !labels.isEmpty else { return "" }
        let parts = labels.keys.sorted().map { key -> String in
            let value = (labels[key] ?? "").replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
            return "\(key)=\"\(value)\""
        }
        return "{" + parts.joined(separator: ",") + "}"
    }

    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(value)
    }
}

/// The server's request metrics: count by route, method and status, and a latency histogram
/// per route. Kept under a typed key so that recording a request costs one lock and no string
/// building; the text is produced at scrape time.
public final class HTTPMetrics: Sendable {
    public static let latencyBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private struct CountKey: Hashable {
        var route: String
        var method: String
        var status: Int
    }

    private struct Latency {
        var buckets = [UInt64](repeating: 0, count: HTTPMetrics.latencyBuckets.count)
        var sum = 0.0
        var count: UInt64 = 0
    }

    private let state = Mutex<(counts: [CountKey: UInt64], latency: [String: Latency])>(([:], [:]))

    public init(registry: MetricsRegistry) {
        registry.addRenderer { [weak self] in self?.render() ?? "" }
    }

    func observe(route: String, method: String, status: Int, seconds: Double) {
        state.withLock { s in
            s.counts[CountKey(route: route, method: method, status: status), default: 0] += 1
            var latency = s.latency[route] ?? Latency()
            for (i, bound) in HTTPMetrics.latencyBuckets.enumerated() where seconds <= bound { latency.buckets[i] += 1 }
            latency.sum += seconds
            latency.count += 1
            s.latency[route] = latency
        }
    }

    func render() -> String {
        let (counts, latency) = state.withLock { ($0.counts, $0.latency) }
        var out = "# HELP http_requests_total HTTP requests by route, method and status.\n# TYPE http_requests_total counter\n"
        for (key, value) in counts.sorted(by: { ($0.key.route, $0.key.method, $0.key.status) < ($1.key.route, $1.key.method, $1.key.status) }) {
            out += "http_requests_total\(MetricsRegistry.render(["route": key.route, "method": key.method, "status": String(key.status)])) \(value)\n"
        }
        out += "# HELP http_request_duration_seconds Time from complete request to response, by route.\n# TYPE http_request_duration_seconds histogram\n"
        for (route, l) in latency.sorted(by: { $0.key < $1.key }) {
            let label = MetricsRegistry.render(["route": route])
            let inner = String(label.dropFirst().dropLast())
            for (i, bound) in HTTPMetrics.latencyBuckets.enumerated() {
                out += "http_request_duration_seconds_bucket{\(inner),le=\"\(MetricsRegistry.format(bound))\"} \(l.buckets[i])\n"
            }
            out += "http_request_duration_seconds_bucket{\(inner),le=\"+Inf\"} \(l.count)\n"
            out += "http_request_duration_seconds_sum\(label) \(MetricsRegistry.format(l.sum))\n"
            out += "http_request_duration_seconds_count\(label) \(l.count)\n"
        }
        return out
    }
}
