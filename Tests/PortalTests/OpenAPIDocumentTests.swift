import Foundation
import HTTPServer
import Portal
import Testing
import TestSupport

/// `Resources/openapi.yaml` is a valid OpenAPI 3.1 document and describes exactly the routes
/// the portal registers.
@Suite struct OpenAPIDocumentTests {
    static var document: String { OperationsEndpointTests.home + "/Resources/openapi.yaml" }

    /// `/tenants/{tenantId}` → method set, read from the `paths:` section.
    static func documentedOperations() throws -> Set<String> {
        let text = try String(contentsOfFile: document, encoding: .utf8)
        var operations = Set<String>()
        var inPaths = false
        var currentPath: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" { inPaths = true; continue }
            if inPaths, let first = line.first, first != " " { break }
            guard inPaths else { continue }
            if line.hasPrefix("  /") && line.hasSuffix(":") && !line.hasPrefix("   ") {
                currentPath = String(line.dropFirst(2).dropLast())
            } else if let path = currentPath, line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                let method = line.trimmingCharacters(in: .whitespaces).dropLast().uppercased()
                if ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(method) { operations.insert("\(method) \(path)") }
            }
        }
        return operations
    }

    @Test func everyRegisteredRouteIsDocumentedAndViceVersa() throws {
        let configuration = PortalConfiguration(databaseURL: "postgresql:///unused", dataDirectory: NSTemporaryDirectory(),
                                                home: OperationsEndpointTests.home)
        let app = try PortalApplication(configuration: configuration, logger: testLogger())
        let registered = Set(app.router.routes.map { route in
            "\(route.method) \(route.template.replacingOccurrences(of: "...}", with: "}"))"
        })
        let documented = try Self.documentedOperations()
        #expect(registered.subtracting(documented).isEmpty, "registered but not documented: \(registered.subtracting(documented).sorted())")
        #expect(documented.subtracting(registered).isEmpty, "documented but not registered: \(documented.subtracting(registered).sorted())")
    }

    @Test func theDocumentIsValidOpenAPI31() async throws {
        let output = try await Shell.run("/usr/bin/env", ["python3", "-m", "openapi_spec_validator", Self.document])
        #expect(output.contains("OK"))
    }
}
