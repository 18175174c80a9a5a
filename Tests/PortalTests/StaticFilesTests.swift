import Foundation
import HTTPServer
@testable import Portal
import Testing
import TestSupport

@Suite struct StaticFilesTests {
    func withPortal(_ body: (Int) async throws -> Void) async throws {
        let configuration = PortalConfiguration(port: 0, databaseURL: "postgresql:///unused",
                                                dataDirectory: NSTemporaryDirectory() + "static-\(UUID().uuidString)",
                                                home: OperationsEndpointTests.home)
        let app = try PortalApplication(configuration: configuration, logger: testLogger())
        try app.start()
        do {
            try await body(app.server.port)
            await app.shutdown()
        } catch {
            await app.shutdown()
            throw error
        }
    }

    @Test func theAppIsServedAtTheRootAndForAppRoutes() async throws {
        try await withPortal { port in
            let client = try RawHTTPClient(port: port)
            try await client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            let root = try await client.readResponse()
            #expect(root.status == 200)
            #expect(root.headers["Content-Type"] == "text/html; charset=utf-8")
            #expect(root.bodyText.contains("<title>Centralita</title>"))
            try await client.send("GET /users/42 HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try await client.readResponse().bodyText == root.bodyText)
            try await client.send("GET /missing.js HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try await client.readResponse().status == 404)
        }
    }

    @Test func assetsAreVersionedImmutableAndEveryAnswerHasAStrictPolicy() async throws {
        try await withPortal { port in
            let client = try RawHTTPClient(port: port)
            try await client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            let root = try await client.readResponse()
            let policy = root.headers["Content-Security-Policy"] ?? ""
            #expect(policy.contains("script-src 'self'") && policy.contains("style-src 'self'") && !policy.contains("unsafe-inline"))
            #expect(root.headers["Cache-Control"] == "no-cache")
            let version = try #require(root.bodyText.range(of: #"/v/[0-9a-f]{12}/"#, options: .regularExpression).map { String(root.bodyText[$0]) })
            #expect(!root.bodyText.contains("{{version}}") && !root.bodyText.contains("{{preload}}"))
            #expect(root.bodyText.contains(#"<link rel="modulepreload" href="\#(version)js/views/users.js">"#), "every module is named up front")
            #expect(!root.bodyText.contains("<script>") && !root.bodyText.contains("style="), "no inline script or style")
            try await client.send("GET \(version)app.js HTTP/1.1\r\nHost: t\r\n\r\n")
            let app = try await client.readResponse()
            #expect(app.status == 200 && app.headers["Cache-Control"] == "public, max-age=31536000, immutable")
            #expect(app.headers["Content-Type"]?.contains("javascript") == true)
            try await client.send("GET \(version)locales/es.json HTTP/1.1\r\nHost: t\r\n\r\n")
            let es = try await client.readResponse()
            #expect(es.status == 200 && es.bodyText.contains("\"signin.title\""))
            try await client.send("GET /v/000000000000/app.js HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try await client.readResponse().headers["Cache-Control"] == "no-cache", "an old version is not cached forever")
            try await client.send("GET /v/\(version.split(separator: "/")[1])/../Package.swift HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try await client.readResponse().status == 404)
        }
    }

    @Test func everyLocaleHasTheSameKeysAndTheAppUsesNoOtherStrings() throws {
        let home = OperationsEndpointTests.home
        func keys(_ language: String) throws -> Set<String> {
            let data = try Data(contentsOf: URL(fileURLWithPath: "\(home)/Resources/locales/\(language).json"))
            return Set((try JSONSerialization.jsonObject(with: data) as? [String: String] ?? [:]).keys)
        }
        let es = try keys("es"), en = try keys("en")
        #expect(es == en, "\(es.symmetricDifference(en))")
        // Every t('key') in the app names a key that exists.
        var used = Set<String>()
        for file in FileManager.default.enumerator(atPath: home + "/Public")?.allObjects as? [String] ?? [] where file.hasSuffix(".js") {
            let text = try String(contentsOfFile: "\(home)/Public/\(file)", encoding: .utf8)
            let regex = try NSRegularExpression(pattern: #"\bt\('([a-zA-Z.]+)'"#)
            for match in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                if let range = Range(match.range(at: 1), in: text) { used.insert(String(text[range])) }
            }
        }
        #expect(!used.isEmpty)
        #expect(used.subtracting(en).isEmpty, "\(used.subtracting(en))")
    }

    @Test func pathsCannotLeaveThePublicDirectory() async throws {
        #expect(StaticFilesRoutes.safePath("../Package.swift") == nil)
        #expect(StaticFilesRoutes.safePath("a/../../x") == nil)
        #expect(StaticFilesRoutes.safePath(".git/config") == nil)
        #expect(StaticFilesRoutes.safePath("js/app.js") == "js/app.js")
        try await withPortal { port in
            let client = try RawHTTPClient(port: port)
            try await client.send("GET /%2e%2e/Package.swift HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 404)
            #expect(!response.bodyText.contains("PackageDescription"))
        }
    }

    @Test func theOpenAPIDocumentIsServed() async throws {
        try await withPortal { port in
            let client = try RawHTTPClient(port: port)
            try await client.send("GET /api/openapi.yaml HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(response.headers["Content-Type"] == "application/yaml; charset=utf-8")
            #expect(response.headers["Content-Encoding"] == "gzip")
            #expect(String(decoding: try Gzip.decompress(response.body), as: UTF8.self).hasPrefix("openapi: 3.1.0"))
        }
    }
}
