public import Foundation
import HTTPServer
public import MediaAgent

/// A private Asterisk 22 for one test: its own folder, SIP and manager ports on loopback, the
/// node configuration from `docker/asterisk/` (the one production uses), the tenant bundles
/// a test gives it, and optionally a fake clock (`faketime`) set to a chosen instant. A
/// detached watchdog stops it and removes the folder if the test process dies.
public final class AsteriskNode: Sendable {
    /// Where Asterisk is installed (`CENTRALITA_ASTERISK`, default `/opt/asterisk`).
    public static var prefix: String { ProcessInfo.processInfo.environment["CENTRALITA_ASTERISK"] ?? "/opt/asterisk" }
    public static var binary: String { prefix + "/sbin/asterisk" }
    public static var sipp: String { prefix + "/bin/sipp" }

    /// Why the telephony conformance suite cannot run here, or nil when it can.
    public static var unavailableReason: String? {
        if !FileManager.default.isExecutableFile(atPath: binary) { return "no Asterisk at \(binary) (set CENTRALITA_ASTERISK to an Asterisk 22 prefix)" }
        if !FileManager.default.isExecutableFile(atPath: sipp) { return "no SIPp at \(sipp)" }
        if !FileManager.default.fileExists(atPath: libfaketime) { return "no libfaketime (Debian package faketime)" }
        return nil
    }

    /// The carrier's address: a second loopback address, so that the trunk's `identify` by IP
    /// does not also claim the phones on 127.0.0.1.
    public static let carrierAddress = "127.0.0.2"
    public static let amiUser = "centralita"
    public static let amiSecret = "change-me-ami-secret"

    public let directory: String
    public let sipPort: Int
    public let amiPort: Int
    /// Where the trunk sends outbound calls (a SIPp carrier listens here when a test needs one).
    public let carrierPort: Int
    private let process: Shell.Running

    var configFile: String { directory + "/etc/asterisk.conf" }
    public var etc: String { directory + "/etc" }
    public var spool: String { directory + "/spool" }

    private init(directory: String, sipPort: Int, amiPort: Int, carrierPort: Int, process: Shell.Running) {
        self.directory = directory
        self.sipPort = sipPort
        self.amiPort = amiPort
        self.carrierPort = carrierPort
        self.process = process
    }

    /// Lays out the folder, writes the node configuration and `bundles` (tenant folder name →
    /// file name → bytes) under `etc/tenants/`, starts Asterisk and waits until it is fully booted.
    /// - Parameter clock: run Asterisk's clock from this instant (libfaketime), for intervals.
    /// - Parameter egressProxy: the egress proxy the dial plan's HTTP requests go through
    ///   (`http://127.0.0.1:<port>`); nil: none, and calls make no HTTP requests.
    public static func start(bundles: [String: [String: [UInt8]]] = [:], clock: Date? = nil, egressProxy: String? = nil) async throws -> AsteriskNode {
        let directory = NSTemporaryDirectory() + "centralita-ast-\(UUID().uuidString.prefix(8))"
        let sipPort = try Ports.freeUDP()
        let amiPort = try Ports.free()
        let carrierPort = try Ports.freeUDP(address: carrierAddress)
        try NodeConfiguration.write(into: directory, sipPort: sipPort, amiPort: amiPort, carrierPort: carrierPort, egressProxy: egressProxy)
        for (tenant, files) in bundles {
            let folder = directory + "/etc/tenants/" + tenant
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for (name, bytes) in files { try Data(bytes).write(to: URL(fileURLWithPath: folder + "/" + name)) }
        }
        var argv = [binary, "-C", directory + "/etc/asterisk.conf", "-f", "-n"]
        if let clock {
            // libfaketime straight into Asterisk's environment: the `faketime` wrapper keeps a
            // semaphore per pid in /dev/shm, which a killed instance leaves behind for the next
            // process that gets the same pid ("sem_open: File exists").
            argv = ["/usr/bin/env", "TZ=UTC", "LD_PRELOAD=" + Self.libfaketime, "FAKETIME=@" + Self.faketimeStamp(clock)] + argv
        }
        let process = try Shell.start(argv[0], Array(argv.dropFirst()))
        let node = AsteriskNode(directory: directory, sipPort: sipPort, amiPort: amiPort, carrierPort: carrierPort, process: process)
        node.startWatchdog()
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if FileManager.default.fileExists(atPath: directory + "/run/asterisk.ctl"),
               let out = try? await node.cli("core waitfullybooted"), out.contains("fully booted") {
                return node
            }
            if !Self.isAlive(process.pid) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let output = process.output
        await node.stop()
        throw Shell.Failure(command: "asterisk start", status: -1, output: output)
    }

    /// `2026-03-29 00:59:50` in UTC (Asterisk runs with `TZ=UTC`): the clock starts there and runs.
    static func faketimeStamp(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return f.string(from: date)
    }

    /// Debian's multi-threaded libfaketime (package `faketime`).
    static var libfaketime: String {
        let candidates = ["/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1", "/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1",
                          "/usr/lib/faketime/libfaketimeMT.so.1"]
        return candidates.first { FileManager.default.fileExists(atPath: $0) } ?? candidates[0]
    }

    /// Whether `pid` still runs (an exited child stays a zombie until waited for).
    public static func isAlive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return !stat[close...].hasPrefix(") Z")
    }

    /// Runs an Asterisk CLI command against this instance and returns its output.
    @discardableResult
    public func cli(_ command: String) async throws -> String {
        try await Shell.run(Self.binary, ["-C", configFile, "-rx", command])
    }

    /// A manager connection with every event class on.
    public func manager() async throws -> AMIClient {
        try await AMIClient.connect(port: amiPort, username: Self.amiUser, secret: Self.amiSecret)
    }

    /// WARNING and ERROR lines Asterisk logged so far.
    public var problems: [String] {
        let log = (try? String(contentsOfFile: directory + "/log/messages.log", encoding: .utf8)) ?? ""
        return log.split(separator: "\n").map(String.init).filter { $0.contains("WARNING[") || $0.contains("ERROR[") }
    }

    /// Writes (or replaces) one tenant's bundle on disk; the caller reloads what it needs.
    public func install(tenant: String, files: [String: [UInt8]]) throws {
        let folder = etc + "/tenants/" + tenant
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (name, bytes) in files { try Data(bytes).write(to: URL(fileURLWithPath: folder + "/" + name)) }
    }

    /// Stops Asterisk (at once) and removes the folder, unless `keep` (a failed test's
    /// evidence: logs, spool, configuration).
    public func stop(keep: Bool = false) async {
        _ = try? await Shell.run(Self.binary, ["-C", configFile, "-rx", "core stop now"])
        process.signal(SIGKILL)
        _ = try? await process.wait()
        if !keep { try? FileManager.default.removeItem(atPath: directory) }
    }

    private func startWatchdog() {
        let me = ProcessInfo.processInfo.processIdentifier
        let cleanUp = ProcessInfo.processInfo.environment["CENTRALITA_KEEP_ASTERISK"] == nil ? "rm -rf '\(directory)'" : "true"
        let script = "while kill -0 \(me) 2>/dev/null && kill -0 \(process.pid) 2>/dev/null; do sleep 1; done; kill -9 \(process.pid) 2>/dev/null; sleep 0.5; \(cleanUp)"
        try? Shell.spawnDetached("/bin/sh", ["-c", script])
    }
}

/// The media node's configuration as `docker/asterisk/` holds it, made local: loopback SIP and
/// manager ports, the carrier on `AsteriskNode.carrierAddress`, the folders of one instance.
public enum NodeConfiguration {
    public static var sourceDirectory: String { LivePortal.home + "/docker/asterisk" }

    static func write(into directory: String, sipPort: Int, amiPort: Int, carrierPort: Int, egressProxy: String? = nil) throws {
        let fm = FileManager.default
        let etc = directory + "/etc"
        for sub in ["etc/tenants", "run", "log/cdr-csv", "spool/outgoing", "spool/tmp", "spool/voicemail", "spool/monitor", "spool/recording",
                    "lib/keys/keys", "lib/agi-bin"] {
            try fm.createDirectory(atPath: directory + "/" + sub, withIntermediateDirectories: true)
        }
        let prefix = AsteriskNode.prefix
        try """
            [directories]
            astetcdir => \(etc)
            astmoddir => \(prefix)/lib/asterisk/modules
            astvarlibdir => \(directory)/lib
            astdbdir => \(directory)/lib
            astkeydir => \(directory)/lib/keys
            astdatadir => \(prefix)/var/lib/asterisk
            astagidir => \(directory)/lib/agi-bin
            astspooldir => \(directory)/spool
            astrundir => \(directory)/run
            astlogdir => \(directory)/log
            astsbindir => \(prefix)/sbin
            [options]
            verbose = 3

            """.write(toFile: etc + "/asterisk.conf", atomically: true, encoding: .utf8)
        for name in try fm.contentsOfDirectory(atPath: sourceDirectory) where name.hasSuffix(".conf") {
            var text = try String(contentsOfFile: sourceDirectory + "/" + name, encoding: .utf8)
            text = localize(text, file: name, sipPort: sipPort, amiPort: amiPort, carrierPort: carrierPort, egressProxy: egressProxy)
            // Kept folders are for reading what happened: every dial-plan step goes to full.log.
            if name == "logger.conf", ProcessInfo.processInfo.environment["CENTRALITA_KEEP_ASTERISK"] != nil {
                text += "\nfull.log => notice,warning,error,verbose(5)\n"
            }
            try text.write(toFile: etc + "/" + name, atomically: true, encoding: .utf8)
        }
        // The same lines the media agent appends on a real node.
        try AsteriskIncludes.install(in: etc)
    }

    /// The production file with this instance's addresses: the only lines a test changes.
    static func localize(_ text: String, file: String, sipPort: Int, amiPort: Int, carrierPort: Int, egressProxy: String? = nil) -> String {
        let carrier = AsteriskNode.carrierAddress
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            switch (file, line) {
            case ("pjsip.conf", let l) where l.hasPrefix("bind="): "bind=127.0.0.1:\(sipPort)"
            case ("pjsip.conf", let l) where l.hasPrefix("contact=sip:carrier.example.net"): "contact=sip:\(carrier):\(carrierPort)"
            case ("pjsip.conf", let l) where l.hasPrefix("match=carrier.example.net"): "match=\(carrier)"
            // Parallel instances share loopback: their media ports sit in a range of their own,
            // apart from the SIP and media ports handed to SIPp (`Ports.freeUDP`).
            case ("rtp.conf", let l) where l.hasPrefix("rtpstart="): "rtpstart=40000"
            case ("rtp.conf", let l) where l.hasPrefix("rtpend="): "rtpend=49999"
            case ("manager.conf", let l) where l.hasPrefix("port ="): "port = \(amiPort)"
            case ("manager.conf", let l) where l.hasPrefix("bindaddr ="): "bindaddr = 127.0.0.1"
            case ("extensions.conf", let l) where l.hasPrefix("CENTRALITA_EGRESS_PROXY="): "CENTRALITA_EGRESS_PROXY=\(egressProxy ?? "")"
            default: String(line)
            }
        }.joined(separator: "\n")
    }
}
