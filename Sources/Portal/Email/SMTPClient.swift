import Foundation
import HTTPServer
#if canImport(Glibc)
import Glibc
#endif

/// Delivers one message to an SMTP relay (RFC 5321, no authentication, no TLS: the relay is the
/// operator's, on a trusted network). Blocking; run it off the cooperative pool.
struct SMTPClient {
    struct Failure: Error, CustomStringConvertible { let description: String }

    let host: String
    let port: Int
    let heloName: String
    let timeoutSeconds: Int

    func send(from: String, to: String, message: [UInt8]) throws {
        let fd = try connect()
        defer { close(fd) }
        var reader = Reader(fd: fd)
        try expect(220, try reader.reply(), "greeting")
        try command(fd, "EHLO \(heloName)", &reader, 250)
        try command(fd, "MAIL FROM:<\(from)>", &reader, 250)
        try command(fd, "RCPT TO:<\(to)>", &reader, 250, 251)
        try command(fd, "DATA", &reader, 354)
        try write(fd, Self.dotStuffed(message) + Array("\r\n.\r\n".utf8))
        try expect(250, try reader.reply(), "message")
        try? write(fd, Array("QUIT\r\n".utf8))
    }

    /// Lines starting with a dot get another one (RFC 5321 §4.5.2); line ends become CRLF.
    static func dotStuffed(_ message: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.count + 64)
        var lineStart = true
        var previous: UInt8 = 0
        for byte in message {
            if byte == 10, previous != 13 { out.append(13) }
            if lineStart, byte == UInt8(ascii: ".") { out.append(UInt8(ascii: ".")) }
            out.append(byte)
            lineStart = byte == 10
            previous = byte
        }
        return out
    }

    private func command(_ fd: Int32, _ line: String, _ reader: inout Reader, _ accepted: Int...) throws {
        try write(fd, Array((line + "\r\n").utf8))
        let (code, text) = try reader.reply()
        guard accepted.contains(code) else { throw Failure(description: "\(line.split(separator: ":").first ?? "") refused: \(code) \(text)") }
    }

    private func expect(_ code: Int, _ reply: (Int, String), _ what: String) throws {
        guard reply.0 == code else { throw Failure(description: "\(what) refused: \(reply.0) \(reply.1)") }
    }

    private func connect() throws -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { throw Failure(description: "cannot resolve \(host)") }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket", errno: errno) }
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        guard Glibc.connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            let e = errno
            close(fd)
            throw SystemError("connect(\(host):\(port))", errno: e)
        }
        return fd
    }

    private func write(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw SystemError("send", errno: errno) }
            offset += n
        }
    }

    /// Reads replies (`250-…` continuation lines, then `250 …`).
    struct Reader {
        let fd: Int32
        var buffer: [UInt8] = []

        mutating func reply() throws -> (Int, String) {
            var text = ""
            while true {
                let line = try self.line()
                guard line.count >= 3, let code = Int(line.prefix(3)) else { throw Failure(description: "not an SMTP reply: \(line)") }
                text += line.dropFirst(4)
                if line.count == 3 || line[line.index(line.startIndex, offsetBy: 3)] == " " { return (code, text) }
                text += " "
            }
        }

        mutating func line() throws -> String {
            while true {
                if let end = buffer.firstIndex(of: 10) {
                    let line = String(decoding: buffer[..<end], as: UTF8.self).trimmingCharacters(in: .newlines)
                    buffer.removeSubrange(...end)
                    return line
                }
                var chunk = [UInt8](repeating: 0, count: 4096)
                let n = recv(fd, &chunk, chunk.count, 0)
                guard n > 0 else { throw Failure(description: n == 0 ? "the relay closed the connection" : "no reply in time") }
                buffer += chunk[0..<n]
            }
        }
    }
}
