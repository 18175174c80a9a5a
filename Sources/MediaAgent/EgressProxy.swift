import Dispatch
import HTTPServer
public import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The media node's only way out for a call's HTTP requests: a forward proxy on loopback that
/// the dial plan names in `CURLOPT(proxy)`. It resolves each host once, refuses unless every
/// address is public (or allow-listed by the operator) and the port is 80 or 443, then connects
/// to exactly the checked address — a second lookup could answer differently (DNS rebinding).
/// Plain http is forwarded with a size cap on the response; https is a CONNECT byte tunnel
/// (TLS stays end to end). Each redirect the client follows is a new request, checked again.
/// Refusals are 403 with the reason, and logged.
public final class EgressProxy: Sendable {
    private struct Listening: @unchecked Sendable {
        var source: (any DispatchSourceRead)?
        var port = 0
    }

    public let settings: EgressSettings
    let policy: EgressPolicy
    let logger: Logger
    private let state = Mutex(Listening())
    private let active = Mutex(0)
    private let acceptQueue = DispatchQueue(label: "egress.accept")

    public init(settings: EgressSettings, logger: Logger) {
        self.settings = settings
        self.policy = EgressPolicy(allow: settings.allow)
        self.logger = logger
    }

    /// The bound port (useful when configured with port 0).
    public var port: Int { state.withLock { $0.port } }

    public func start() throws {
        let (fd, port) = try EgressSocket.listen(host: settings.host, port: settings.port)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK)
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: acceptQueue)
        source.setEventHandler { [self] in acceptAll(fd) }
        source.setCancelHandler { _ = Glibc.close(fd) }
        source.resume()
        state.withLock { $0 = Listening(source: source, port: port) }
        logger.info("egress proxy listening", metadata: ["address": "\(settings.host):\(port)", "allow": "\(settings.allow.map(\.description))"])
    }

    /// Stops accepting; exchanges in flight end by their own deadline.
    public func stop() {
        let source = state.withLock { s -> (any DispatchSourceRead)? in defer { s.source = nil }; return s.source }
        source?.cancel()
    }

    private func acceptAll(_ listener: Int32) {
        while true {
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else { return }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            let admitted = active.withLock { n in n < settings.maxConnections ? { n += 1; return true }() : false }
            let deadline = ContinuousClock.now + .milliseconds(Int(min(max(settings.timeout, 0), 86_400) * 1000))
            let client = EgressSocket(fd: fd, deadline: deadline)
            guard admitted else {
                answer(client, 503, "Service Unavailable", "too many egress requests at once")
                continue
            }
            // Each exchange blocks on its own serial queue (an overcommit thread), bounded by its deadline.
            DispatchQueue(label: "egress.exchange").async { [self] in
                serve(client)
                client.close()
                active.withLock { $0 -= 1 }
            }
        }
    }

    func serve(_ client: EgressSocket) {
        var received: [UInt8] = []
        let request: EgressRequest
        let leftover: [UInt8]
        do {
            var scanned = 0
            while true {
                if let end = EgressRequest.headEnd(received, from: scanned) {
                    request = try EgressRequest(head: received[..<end])
                    leftover = Array(received[end...])
                    break
                }
                guard received.count <= EgressRequest.maxHeadBytes else { return answer(client, 431, "Request Header Fields Too Large", "the request head is too large") }
                let bytes = try client.read()
                if bytes.isEmpty { return }
                scanned = received.count
                received += bytes
            }
        } catch let invalid as EgressRequest.Invalid {
            return answer(client, 400, "Bad Request", invalid.description)
        } catch {
            return answer(client, 408, "Request Timeout", "the request did not arrive in time")
        }
        let target = "\(request.host):\(request.port)"
        guard policy.mayUse(port: request.port) else {
            logger.warning("egress refused", metadata: ["target": "\(target)", "method": "\(request.method)", "reason": "port"])
            return answer(client, 403, "Forbidden", "port \(request.port) is not 80 or 443")
        }
        let addresses: [EgressAddress]
        do { addresses = try EgressSocket.resolve(request.host) } catch {
            logger.warning("egress failed", metadata: ["target": "\(target)", "error": "\(error)"])
            return answer(client, 502, "Bad Gateway", "cannot resolve \(request.host)")
        }
        if let why = policy.refusal(host: request.host, port: request.port, addresses: addresses) {
            logger.warning("egress refused", metadata: ["target": "\(target)", "method": "\(request.method)", "reason": "\(why)"])
            return answer(client, 403, "Forbidden", why)
        }
        var upstream: EgressSocket?
        var failure = ""
        for address in addresses where upstream == nil {
            do { upstream = try EgressSocket.connect(to: address, port: request.port, deadline: client.deadline) } catch { failure = "\(error)" }
        }
        guard let upstream else {
            logger.warning("egress failed", metadata: ["target": "\(target)", "error": "\(failure)"])
            return answer(client, failure.contains("timed out") ? 504 : 502, failure.contains("timed out") ? "Gateway Timeout" : "Bad Gateway",
                          "cannot connect to \(target)")
        }
        defer { upstream.close() }
        let exchange = EgressExchange(client: client, upstream: upstream, maxBytes: settings.maxBytes)
        do {
            if request.isConnect {
                try client.write(Array("HTTP/1.1 200 Connection established\r\n\r\n".utf8))
                let moved = try exchange.tunnel(leftover: leftover)
                logger.info("egress tunnel", metadata: ["target": "\(target)", "sent": "\(moved.sent)", "received": "\(moved.received)"])
            } else {
                let status = try exchange.forward(request, leftover: leftover)
                logger.info("egress forwarded", metadata: ["target": "\(target)", "method": "\(request.method)", "status": "\(status)"])
            }
        } catch let refusal as EgressExchange.Refusal {
            logger.warning("egress cut off", metadata: ["target": "\(target)", "reason": "\(refusal.description)"])
            if refusal.canAnswer { answer(client, refusal.status, refusal.reason, refusal.description) }
        } catch is EgressSocket.TimedOut {
            logger.warning("egress timed out", metadata: ["target": "\(target)", "timeout": "\(settings.timeout)"])
            if !exchange.answered { answer(client, 504, "Gateway Timeout", "no complete answer from \(target) within \(settings.timeout) s") }
        } catch {
            logger.warning("egress failed", metadata: ["target": "\(target)", "error": "\(error)"])
            if !exchange.answered { answer(client, 502, "Bad Gateway", "\(error)") }
        }
    }

    /// An answer from the proxy itself, with an empty body: the dial plan reads a response body
    /// as the CRM's reply (a refusal must not look like a branch number or a caller's name), so
    /// the reason goes in `X-Centralita-Egress-Reason` and the log. The connection closes.
    func answer(_ client: EgressSocket, _ status: Int, _ reason: String, _ detail: String) {
        let why = String(detail.unicodeScalars.map { $0.isASCII && $0.value >= 32 && $0.value < 127 ? Character($0) : " " }.prefix(300))
        let head = "HTTP/1.1 \(status) \(reason)\r\nContent-Length: 0\r\nX-Centralita-Egress: \(status == 403 ? "refused" : "failed")\r\n"
            + "X-Centralita-Egress-Reason: \(why)\r\nConnection: close\r\n\r\n"
        try? client.write(Array(head.utf8))
    }
}
