import Foundation
public import Logging
import Synchronization

/// Writes each log record as one JSON line on standard output. Lines are buffered and
/// flushed every 100 ms (or at 32 KiB), so logging one line per request costs no system call
/// on the request path.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let sink: LogSink

    public init(label: String, level: Logger.Level = .info, sink: LogSink = .standardOutput) {
        self.label = label
        self.logLevel = level
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// The sink, when this handler adds nothing of its own to a line (no metadata, no
    /// provider): then `AccessLog` may write its lines there directly.
    var directSink: LogSink? { metadata.isEmpty && metadataProvider == nil ? sink : nil }

    /// The access log's line, byte for byte what `log` writes for an info "request" event
    /// with these fields (keys in sorted order), built without the generic path.
    static func requestLine(client: String, durationMs: Double, method: String, path: String, requestID: String,
                            route: String, status: Int) -> [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(256)
        line.append(contentsOf: #"{"ts":""#.utf8)
        line.append(contentsOf: timestamp().utf8)
        line.append(contentsOf: #"","level":"info","msg":"request","client":"#.utf8)
        appendJSONString(client, to: &line)
        line.append(contentsOf: #","durationMs":"#.utf8)
        if durationMs.isFinite { line.append(contentsOf: String(durationMs).utf8) } else { appendJSONString(durationMs.description, to: &line) }
        line.append(contentsOf: #","method":"#.utf8)
        appendJSONString(method, to: &line)
        line.append(contentsOf: #","path":"#.utf8)
        appendJSONString(path, to: &line)
        line.append(contentsOf: #","requestId":"#.utf8)
        appendJSONString(requestID, to: &line)
        line.append(contentsOf: #","route":"#.utf8)
        appendJSONString(route, to: &line)
        line.append(contentsOf: #","status":"#.utf8)
        line.append(contentsOf: String(status).utf8)
        line.append(contentsOf: "}\n".utf8)
        return line
    }

    /// `appendJSONString` for a byte buffer: the same escapes.
    static func appendJSONString(_ s: String, to line: inout [UInt8]) {
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            line.append(UInt8(ascii: "\""))
            line.append(contentsOf: s.utf8)
            line.append(UInt8(ascii: "\""))
            return
        }
        var text = ""
        appendJSONString(s, to: &text)
        line.append(contentsOf: text.utf8)
    }

    public func log(event: LogEvent) {
        var line = "{\"ts\":\""
        line += Self.timestamp()
        line += "\",\"level\":\""
        line += event.level.rawValue
        line += "\",\"msg\":"
        Self.appendJSONString(event.message.description, to: &line)
        var merged = event.metadata ?? [:]
        if !metadata.isEmpty { merged.merge(metadata) { event, _ in event } }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            line += ","
            Self.appendJSONString(key, to: &line)
            line += ":"
            Self.appendValue(value, to: &line)
        }
        line += "}\n"
        sink.write(line)
    }

    private static func appendValue(_ value: Logger.MetadataValue, to line: inout String) {
        switch value {
        case .string(let s):
            appendJSONString(s, to: &line)
        case .stringConvertible(let c):
            // Numbers and booleans stay numbers and booleans in the JSON.
            switch c {
            case let n as Int: line += String(n)
            case let d as Double where d.isFinite: line += String(d)
            case let b as Bool: line += b ? "true" : "false"
            default: appendJSONString(c.description, to: &line)
            }
        case .array(let values):
            line += "["
            for (i, v) in values.enumerated() {
                if i > 0 { line += "," }
                appendValue(v, to: &line)
            }
            line += "]"
        case .dictionary(let dict):
            line += "{"
            for (i, key) in dict.keys.sorted().enumerated() {
                if i > 0 { line += "," }
                appendJSONString(key, to: &line)
                line += ":"
                appendValue(dict[key]!, to: &line)
            }
            line += "}"
        }
    }

    static func appendJSONString(_ s: String, to line: inout String) {
        // Most strings need no escaping: copy them whole.
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            line += "\""
            line += s
            line += "\""
            return
        }
        line += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": line += "\\\""
            case "\\": line += "\\\\"
            case "\n": line += "\\n"
            case "\r": line += "\\r"
            case "\t": line += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    line += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    line.unicodeScalars.append(scalar)
                }
            }
        }
        line += "\""
    }

    private static let secondCache = Mutex<(second: Int, text: String)>((-1, ""))

    /// RFC 3339 UTC with milliseconds; the part up to the second is formatted once a second.
    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let millis = Int(now.tv_nsec) / 1_000_000
        let fraction = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        let second = Int(now.tv_sec)
        let prefix = secondCache.withLock { cache -> String in
            if cache.second == second { return cache.text }
            cache = (second, formatSecond(second))
            return cache.text
        }
        return prefix + "." + fraction + "Z"
    }

    private static func formatSecond(_ second: Int) -> String {
        var t = time_t(second)
        var parts = tm()
        gmtime_r(&t, &parts)
        func pad(_ n: Int, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(parts.tm_year + 1900)-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))T"
            + "\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2))"
    }
}

/// A buffered, thread-safe line writer for a file descriptor.
public final class LogSink: Sendable {
    public static let standardOutput = LogSink(fd: 1)
    public static let standardError = LogSink(fd: 2)

    private let fd: Int32
    private let buffer = Mutex<[UInt8]>([])
    private let timer: UncheckedBox<any DispatchSourceTimer>

    public init(fd: Int32) {
        self.fd = fd
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "log.flush"))
        self.timer = UncheckedBox(timer)
        timer.schedule(deadline: .now() + .milliseconds(100), repeating: .milliseconds(100))
        timer.setEventHandler { [weak self] in self?.flush() }
        timer.resume()
    }

    public func write(_ line: String) {
        let full = buffer.withLock { b -> Bool in
            b.append(contentsOf: line.utf8)
            return b.count >= 32 * 1024
        }
        if full { flush() }
    }

    public func write(_ line: [UInt8]) {
        let full = buffer.withLock { b -> Bool in
            b.append(contentsOf: line)
            return b.count >= 32 * 1024
        }
        if full { flush() }
    }

    public func flush() {
        let pending = buffer.withLock { b -> [UInt8] in defer { b.removeAll(keepingCapacity: true) }; return b }
        var offset = 0
        pending.withUnsafeBytes { raw in
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { if n < 0 && errno == EINTR { continue }; return }
                offset += n
            }
        }
    }
}
