import Hummingbird

/// The same body as Centralita's `GET /healthz`: `{"status":"ok"}` encoded from a Codable.
struct Health: ResponseEncodable {
    let status: String
}

let port = Int(CommandLine.arguments.dropFirst().first ?? "8090") ?? 8090
let router = Router()
router.get("/healthz") { _, _ in Health(status: "ok") }
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
