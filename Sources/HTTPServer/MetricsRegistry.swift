import Foundation
import Synchronization

/// A small Prometheus registry: counters, gauges and histograms with labels, rendered in the
/// text exposition format. Gauges can also be read at scrape time from a closure.
public final class MetricsRegistry: Sendable {
    private struct Family {
        var help: String
        var type: String
        var samples: [String: Double] = [:]   // rendered label set → value
        var buckets: [Double] = []
        var histograms: [String: Histogram] = [:]
    }

    private struct Histogram {
        var counts: [Double]
        var sum: Double = 0
        var count: Double = 0
    }

    private let families = Mutex<[String: Family]>([:])
    private let collectors = Mutex<[@Sendable () -> [(name: String, help: String, labels: [String: String], value: Double)]]>([])
    private let renderers = Mutex<[@Sendable () -> String]>([])

    /// Adds a block of ready-made exposition text (families kept elsewhere, like HTTPMetrics).
    public func addRenderer(_ renderer: @escaping @Sendable () -> String) {
        renderers.withLock { $0.append(renderer) }
    }

    public init() {}

    public func increment(_ name: String, help: String, labels: [String: String] = [:], by amount: Double = 1) {
        let key = MetricsRegistry.render(labels)
        families.withLock { all in
            all[name, default: Family(help: help, type: "counter")].samples[key, default: 0] += amount
        }
    }

    public func set(_ name: String, help: String, labels: [String: String] = [:], to value: Double) {
        let key = MetricsRegistry.render(labels)
        families.withLock { all in
            all[name, default: Family(help: help, type: "gauge")].samples[key] = value
        }
    }

    public func observe(_ name: String, help: String, labels: [String: String] = [:], buckets: [Double], value: Double) {
        let key = MetricsRegistry.render(labels)
        families.withLock { all in
            var family = all[name] ?? Family(help: help, type: "histogram", buckets: buckets)
            var h = family.histograms[key] ?? Histogram(counts: Array(repeating: 0, count: family.buckets.count))
            for (i, bound) in family.buckets.enumerated() where value <= bound { h.counts[i] += 1 }
            h.sum += value
            h.count += 1
            family.histograms[key] = h
            all[name] = family
        }
    }

    /// Registers gauges computed at scrape time (open connections, pool sizes …).
    public func addCollector(_ collector: @escaping @Sendable () -> [(name: String, help: String, labels: [String: String], value: Double)]) {
        collectors.withLock { $0.append(collector) }
    }

    /// The Prometheus text format (version 0.0.4).
    public func render() -> String {
        var out = renderers.withLock { $0 }.map { $0() }.joined()
        let snapshot = families.withLock { $0 }
        var gauges: [String: Family] = [:]
        for collector in collectors.withLock({ $0 }) {
            for sample in collector() {
                gauges[sample.name, default: Family(help: sample.help, type: "gauge")].samples[MetricsRegistry.render(sample.labels)] = sample.value
            }
        }
        let all = snapshot.merging(gauges) { a, _ in a }
        for name in all.keys.sorted() {
            guard let family = all[name] else { continue }
            out += "# HELP \(name) \(family.help)\n# TYPE \(name) \(family.type)\n"
            if family.type == "histogram" {
                for key in family.histograms.keys.sorted() {
                    guard let h = family.histograms[key] else { continue }
                    let inner = key.isEmpty ? "" : String(key.dropFirst().dropLast()) + ","
                    for (i, bound) in family.buckets.enumerated() {
                        out += "\(name)_bucket{\(inner)le=\"\(MetricsRegistry.format(bound))\"} \(MetricsRegistry.format(h.counts[i]))\n"
                    }
                    out += "\(name)_bucket{\(inner)le=\"+Inf\"} \(MetricsRegistry.format(h.count))\n"
                    out += "\(name)_sum\(key) \(MetricsRegistry.format(h.sum))\n"
                    out += "\(name)_count\(key) \(MetricsRegistry.format(h.count))\n"
                }
            } else {
                for key in family.samples.keys.sorted() {
                    out += "\(name)\(key) \(MetricsRegistry.format(family.samples[key] ?? 0))\n"
                }
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
