import Foundation
import HTTPServer
import Synchronization
import TestSupport

/// The routes the live-server tests talk to.
func makeLiveRouter(gate: Gate? = nil) -> Router {
    let router = Router()
    let routes = router.group("")
    routes.get("/hello") { _ in .text("hello") }
    routes.get("/json") { _ in try .json(["message": "hi"]) }
    routes.get("/big") { _ in .text(String(repeating: "compressible text ", count: 200)) }
    routes.get("/slow/{ms}") { request in
        let ms = Int(try request.parameter("ms")) ?? 0
        try await Task.sleep(for: .milliseconds(ms))
        return .text("slept \(ms)")
    }
    routes.post("/echo", maxBodyBytes: 1024) { request in
        HTTPResponse.bytes(request.body, contentType: "application/octet-stream")
    }
    routes.get("/stream") { _ in
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream()
        Task {
            for i in 0..<5 {
                continuation.yield(Array("part \(i)\n".utf8))
                try? await Task.sleep(for: .milliseconds(5))
            }
            continuation.finish()
        }
        return HTTPResponse(headers: ["Content-Type": "text/plain"], body: .sequence(stream))
    }
    routes.get("/boom") { _ in
        struct Secret: Error {}
        throw Secret()
    }
    routes.get("/gated") { _ in
        await gate?.wait()
        return .text("released")
    }
    routes.get("/request-id") { request in .text(request.requestID) }
    routes.get("/files/{name}") { request in
        try await FileResponse.serve(path: NSTemporaryDirectory() + "/" + (try request.parameter("name")), request: request)
    }
    return router
}

/// Holds handlers until the test opens it.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>], arrived: Int)>((false, [], 0))

    func wait() async {
        await withCheckedContinuation { continuation in
            let open = state.withLock { s -> Bool in
                s.arrived += 1
                if s.open { return true }
                s.waiters.append(continuation)
                return false
            }
            if open { continuation.resume() }
        }
    }

    var arrived: Int { state.withLock { $0.arrived } }

    func open() {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.open = true
            defer { s.waiters = [] }
            return s.waiters
        }
        waiters.forEach { $0.resume() }
    }

    /// Waits (briefly polling) until `count` handlers are held.
    func waitForArrivals(_ count: Int) async throws {
        for _ in 0..<500 where arrived < count { try await Task.sleep(for: .milliseconds(10)) }
    }
}

func get(_ path: String, headers: String = "") -> String {
    "GET \(path) HTTP/1.1\r\nHost: test\r\n\(headers)\r\n"
}
