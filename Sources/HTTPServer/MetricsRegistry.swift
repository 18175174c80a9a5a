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
        var out = ""
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

/// The server's request metrics: count by route, method and status, and a latency histogram.
public struct HTTPMetrics: Sendable {
    public let registry: MetricsRegistry
    public static let latencyBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    public init(registry: MetricsRegistry) {
        self.registry = registry
    }

    func observe(route: String, method: String, status: Int, seconds: Double) {
        registry.increment("http_requests_total", help: "HTTP requests by route, method and status.",
                           labels: ["route": route, "method": method, "status": String(status)])
        registry.observe("http_request_duration_seconds", help: "Time from complete request to response, by route.",
                         labels: ["route": route], buckets: HTTPMetrics.latencyBuckets, value: seconds)
    }
}
