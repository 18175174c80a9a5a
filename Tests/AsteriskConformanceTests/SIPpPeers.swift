import Foundation
import TestSupport

/// SIPp playing the phones and the carrier around one Asterisk node: phones register with their
/// SIP username and password and then answer or just ring; the carrier delivers inbound calls
/// from its own address and takes outbound ones. Every peer is a real SIP stack on loopback.
struct SIPpPeers {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("SIPp").path
    let node: AsteriskNode

    enum Behaviour { case answers, rings }

    /// Registers `username` with Contact on a free port and returns it (its answering peer then
    /// listens there; `rewrite_contact` makes Asterisk use the REGISTER's source, so both share
    /// the port). A port something else on the machine bound between `Ports.freeUDP` and SIPp's
    /// own bind (`errno = 98`) is replaced by another, up to three times.
    @discardableResult
    func register(_ username: String, password: String, expires: Int = 600) async throws -> Int {
        var attempt = 1
        while true {
            let port = try Ports.freeUDP()
            do {
                try await Shell.run(AsteriskNode.sipp, [
                    "127.0.0.1:\(node.sipPort)", "-sf", Self.folder + "/register.xml", "-s", username, "-au", username, "-ap", password,
                    "-key", "contactport", "\(port)", "-key", "expires", "\(expires)", "-i", "127.0.0.1", "-p", "\(port)",
                    "-m", "1", "-nostdin", "-timeout", "10", "-timeout_error",
                ])
                return port
            } catch let failure as Shell.Failure where attempt < 3 && failure.output.contains("Unable to bind main socket") {
                attempt += 1
            }
        }
    }

    /// A phone (or the carrier, on its address) that answers or rings every call it gets.
    /// Qualify OPTIONS and MWI NOTIFYs get 200 (`-aa`). The log holds one line per INVITE.
    func peer(_ behaviour: Behaviour, address: String = "127.0.0.1", port: Int, log: String) throws -> Shell.Running {
        try Shell.start(AsteriskNode.sipp, [
            "127.0.0.1:\(node.sipPort)", "-sf", Self.folder + (behaviour == .answers ? "/answer.xml" : "/ring.xml"),
            "-i", address, "-p", "\(port)", "-mi", address, "-aa", "-nostdin", "-trace_logs", "-log_file", log,
        ])
    }

    /// The carrier delivers one call to `number` from `caller` (a number or `anonymous`). The
    /// call ends when the node hangs up, or after `holdSeconds` from the carrier's side.
    /// With `inBandKeys`, the caller sends those keys as RFC 2833 events (SIPp's recorded
    /// `dtmf_2833_*.pcap`, `pause` ms apart, the first `pause` ms after the answer) instead of
    /// audio, as a phone does when its user presses them.
    func call(_ number: String, from caller: String, holdSeconds: Int = 120, inBandKeys: String? = nil, pause: Int = 1000) throws -> Shell.Running {
        var edit: (String) -> String = { $0 }
        if let keys = inBandKeys {
            let folder = AsteriskNode.prefix + "/share/sipp/pcap"
            let plays = keys.compactMap { key -> String? in
                let name = key == "*" ? "star" : key == "#" ? "pound" : key.isNumber ? String(key) : nil
                return name.map { "  <pause milliseconds=\"\(pause)\"/>\n  <nop><action><exec play_pcap_audio=\"\(folder)/dtmf_2833_\($0).pcap\"/></action></nop>\n" }
            }.joined()
            edit = { $0.replacingOccurrences(of: "  <nop><action><exec rtp_stream=\"[audio],-1,0\"/></action></nop>\n", with: plays) }
        }
        return try place("caller.xml", number, from: caller, address: AsteriskNode.carrierAddress, holdSeconds: holdSeconds, edit: edit)
    }

    /// A phone dials `number` (authenticating as `username`), as its user would.
    func dial(_ number: String, from username: String, password: String, holdSeconds: Int = 120) throws -> Shell.Running {
        try place("phone-call.xml", number, from: username, address: "127.0.0.1", holdSeconds: holdSeconds, auth: ["-au", username, "-ap", password])
    }

    private func place(_ scenario: String, _ number: String, from caller: String, address: String, holdSeconds: Int,
                       auth: [String] = [], edit: (String) -> String = { $0 }) throws -> Shell.Running {
        let template = edit(try String(contentsOfFile: Self.folder + "/" + scenario, encoding: .utf8))
        let path = node.directory + "/caller-\(UUID().uuidString.prefix(6)).xml"
        try template.replacingOccurrences(of: "[hold]", with: "\(holdSeconds * 1000)").write(toFile: path, atomically: true, encoding: .utf8)
        // One second of µ-law silence, looped: the RTP a real caller's phone sends.
        let audio = node.directory + "/silence.ulaw"
        if !FileManager.default.fileExists(atPath: audio) { try Data(repeating: 0xFF, count: 8000).write(to: URL(fileURLWithPath: audio)) }
        return try Shell.start(AsteriskNode.sipp, [
            "127.0.0.1:\(node.sipPort)", "-sf", path, "-s", number, "-key", "caller", caller, "-key", "audio", audio,
            "-mp", "\(try Ports.freeUDP(address: address))",
            "-i", address, "-p", "\(try Ports.freeUDP(address: address))", "-mi", address,
            "-m", "1", "-nostdin", "-timeout", "\(holdSeconds + 60)",
        ] + auth)
    }
}
