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
