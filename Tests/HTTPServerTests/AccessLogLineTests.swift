import Foundation
@testable import HTTPServer
import Logging
import PropertyTesting
import Testing

/// The access log's direct line is the line the generic logging path writes for the same
/// request: same keys, order, escapes and numbers (only the timestamp differs in time).
@Suite struct AccessLogLineTests {
    /// Lines a handler wrote to a pipe, read back after a flush.
    private func lines(_ write: (LogSink) -> Void) throws -> [String] {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw CocoaError(.fileWriteUnknown) }
        defer { close(fds[0]) }
        let sink = LogSink(fd: fds[1])
        write(sink)
        sink.flush()
        close(fds[1])
        let data = FileHandle(fileDescriptor: fds[0], closeOnDealloc: false).readDataToEndOfFile()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// The line without its timestamp, which is the time of writing.
    private func withoutTime(_ line: String) -> String {
        guard let end = line.range(of: #"","level""#) else { return line }
        return String(line[end.lowerBound...])
    }

    @Test func theDirectLineIsTheGenericLine() throws {
        try forAll(iterations: 500) { g in
            let client = Arbitrary.bool(&g) ? "127.0.0.1" : Arbitrary.string(&g)
            let path = "/" + Arbitrary.string(&g)
            let requestID = Arbitrary.string(&g)
            let route = Arbitrary.bool(&g) ? "-" : Arbitrary.string(&g)
            let method = Arbitrary.element(["GET", "POST", "PATCH", Arbitrary.string(&g)], &g)
            let status = Int(g.next() % 600)
            let durationMs = Double(Int(g.next() % 10_000_000)) / 100
            let generic = try lines { sink in
                let logger = Logger(label: "t") { _ in JSONLogHandler(label: "t", sink: sink) }
                logger.info("request", metadata: [
                    "requestId": .string(requestID), "method": .string(method), "path": .string(path), "route": .string(route),
                    "status": .stringConvertible(status), "durationMs": .stringConvertible(durationMs), "client": .string(client),
                ])
            }
            let direct = try lines { sink in
                sink.write(JSONLogHandler.requestLine(client: client, durationMs: durationMs, method: method, path: path,
                                                      requestID: requestID, route: route, status: status))
            }
            #expect(generic.count == 1 && direct.count == 1)
            #expect(generic.map(withoutTime) == direct.map(withoutTime), "seed \(g.seed)")
            #expect(direct.first.map { $0.hasPrefix(#"{"ts":""#) } == true)
        }
    }

    @Test func anAccessLogTakesTheDirectPathOnlyWhenTheHandlerAddsNothing() {
        let plain = Logger(label: "t") { _ in JSONLogHandler(label: "t") }
        #expect(AccessLog(logger: plain, metrics: nil).directSink != nil)
        var tagged = plain
        tagged[metadataKey: "node"] = "a"
        #expect(AccessLog(logger: tagged, metrics: nil).directSink == nil)
    }
}
