import Foundation
@testable import HTTPServer
import PropertyTesting
import Testing

/// The byte-level shortcuts of the request path answer exactly what the general code they
/// replace answers: `queryValue` against a search of `queryItems`, and the content types
/// worth compressing against a lowercased substring search.
@Suite struct RequestQueryTests {
    private static let pieces = ["a", "b", "q", "limit", "=", "&", "&&", "%", "%2", "%20", "%3D", "%26", "%00", "%zz", "+", "é", "%C3%A9",
                                 "%FF", "20", "x y", ";"]

    private static func text(_ g: inout SeededGenerator) -> String {
        (0..<Int(g.next() % 8)).map { _ in Arbitrary.element(pieces, &g) }.joined()
    }

    @Test func queryValueIsTheFirstMatchingQueryItem() {
        forAll(iterations: 2_000) { g in
            let query = Self.text(&g)
            let request = HTTPRequest(method: .get, target: "/p?" + query)
            let decodedNames = request.queryItems.map(\.name)
            for name in ["a", "b", "q", "limit", "", " ", "é", "a b", "&"] + decodedNames {
                #expect(request.queryValue(name) == request.queryItems.first { $0.name == name }?.value, "seed \(g.seed) \(query) \(name)")
            }
        }
        #expect(HTTPRequest(method: .get, target: "/p").queryValue("a") == nil)
        #expect(HTTPRequest(method: .get, target: "/p?a").queryValue("a") == "")
        #expect(HTTPRequest(method: .get, target: "/p?a%3Db=1&a=2").queryValue("a") == "2")
        #expect(HTTPRequest(method: .get, target: "/p?q=a+b%26c").queryValue("q") == "a b&c")
    }

    @Test func compressibleTypesAreFoundIgnoringCase() {
        let types = ["text/", "TEXT/", "application/", "json", "JSON", "+Json", "javascript", "xml", "XmL", "yaml", "image/svg",
                     "IMAGE/SVG+xml", "image/png", ";", " charset=utf-8", "ç", "j", "s"]
        forAll(iterations: 2_000) { g in
            let type = (0..<Int(g.next() % 5)).map { _ in Arbitrary.element(types, &g) }.joined()
            let lower = type.lowercased()
            let expected = lower.hasPrefix("text/") || lower.contains("json") || lower.contains("javascript") || lower.contains("xml")
                || lower.contains("yaml") || lower.hasPrefix("image/svg")
            #expect(CompressionMiddleware.isCompressible(type) == expected, "seed \(g.seed) \(type)")
        }
        #expect(!CompressionMiddleware.isCompressible(nil))
    }
}
