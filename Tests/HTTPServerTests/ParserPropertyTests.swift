import PropertyTesting
import Testing
@testable import HTTPServer

/// Random and hostile requests, assembled from fragments attackers use (huge and negative
/// lengths, overlong chunk sizes, bare CR/LF, NUL, obs-fold, keep-alive garbage) plus raw
/// random bytes: the parser never traps, and however the bytes are split it reaches the same
/// outcome (which also proves buffer compaction loses nothing).
@Suite struct ParserPropertyTests {
    static let methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "CONNECT", "G\u{0}T", "", "GET GET"]
    static let targets = ["/", "/api/v1/x?q=%00", "*", "http://h/", "/a%zz", "/" + String(repeating: "a", count: 300), "/\u{1}"]
    static let versions = ["HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.10", "http/1.1", ""]
    static let headers = [
        "Host: h", "Content-Length: 5", "Content-Length: -1", "Content-Length: 9223372036854775807", "Content-Length: 99999999999999999999",
        "Content-Length: 5, 6", "Content-Length: 0x10", "Transfer-Encoding: chunked", "Transfer-Encoding: gzip, chunked",
        "Transfer-Encoding: chunked, chunked", "Expect: 100-continue", "Connection: close", " folded", "X: a\u{0}b", "X:\u{7F}",
        "NoColon", ": empty", "X-Long: " + String(repeating: "b", count: 400),
    ]
    static let bodies = ["", "hello", "5\r\nhello\r\n0\r\n\r\n", "fffffffffffffff\r\n", "ffffffffffffffff\r\n", "0\r\nX: t\r\n\r\n",
                         "1;ext=\"v\"\r\na\r\n0\r\n\r\n", "\r\n\r\n\r\n", "GET / HTTP/1.1\r\nHost: h\r\n\r\n"]

    func request(_ g: inout SeededGenerator) -> [UInt8] {
        if g.next() % 6 == 0 { return (0..<Int(g.next() % 120)).map { _ in UInt8(truncatingIfNeeded: g.next()) } }
        var text = String(repeating: "\r\n", count: Int(g.next() % 3))
        text += Arbitrary.element(Self.methods, &g) + " " + Arbitrary.element(Self.targets, &g) + " " + Arbitrary.element(Self.versions, &g)
        text += Arbitrary.element(["\r\n", "\n", "\r"], &g)
        for _ in 0..<Int(g.next() % 5) { text += Arbitrary.element(Self.headers, &g) + "\r\n" }
        text += "\r\n" + Arbitrary.element(Self.bodies, &g)
        return Array(text.utf8)
    }

    /// Small limits, so short inputs (cheap to split at every offset, which is quadratic) still
    /// cross every limit.
    static var limits: HTTPParserLimits {
        var l = HTTPParserLimits()
        l.maxRequestLineBytes = 256
        l.maxHeaderBytes = 512
        l.maxHeaderCount = 4
        l.defaultMaxBodyBytes = 64
        l.maxChunkLineBytes = 32
        return l
    }

    @Test func anOverlongLineEndingInABareLineFeedIsTooLongHoweverItArrives() {
        let input = Array(("GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\n").utf8)
        guard case .success(let outcome) = ParserVerifier().verify(input) else { Issue.record("feeding ways disagree"); return }
        #expect(outcome.error == .requestLineTooLong)
    }

    @Test func anyRequestParsesTheSameWayHoweverItIsSplitAndNeverTraps() {
        var disagreements: [String] = []
        forAll(iterations: 300, seed: 0xB0D1E5) { g in
            let input = request(&g)
            if case .failure(let disagreement) = ParserVerifier(limits: Self.limits).verify(input) {
                disagreements.append("\(String(decoding: input.prefix(120), as: UTF8.self).debugDescription): \(disagreement)")
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(3))")
    }
}
