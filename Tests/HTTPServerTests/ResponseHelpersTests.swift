import Testing
@testable import HTTPServer

@Suite struct ResponseHelpersTests {
    @Test func byteRangesFollowRFC9110() {
        #expect(ByteRange.parse("bytes=0-9", size: 100) == .range(0...9))
        #expect(ByteRange.parse("bytes=90-", size: 100) == .range(90...99))
        #expect(ByteRange.parse("bytes=-10", size: 100) == .range(90...99))
        #expect(ByteRange.parse("bytes=-500", size: 100) == .range(0...99))
        #expect(ByteRange.parse("bytes=50-500", size: 100) == .range(50...99))
        #expect(ByteRange.parse("bytes=100-", size: 100) == .unsatisfiable)
        #expect(ByteRange.parse("bytes=-0", size: 100) == .unsatisfiable)
        #expect(ByteRange.parse("bytes=9-0", size: 100) == .none)
        #expect(ByteRange.parse("bytes=0-1,5-6", size: 100) == .none)
        #expect(ByteRange.parse("items=0-1", size: 100) == .none)
    }

    @Test func gzipRoundTrips() throws {
        let text = Array(String(repeating: "centralita ", count: 500).utf8)
        let compressed = try Gzip.compress(text)
        #expect(compressed.count < text.count / 10)
        #expect(compressed.prefix(2) == [0x1F, 0x8B])
        #expect(try Gzip.decompress(compressed) == text)
    }

    @Test func acceptEncodingHonoursQualityValues() {
        #expect(CompressionMiddleware.acceptsGzip(["Accept-Encoding": "gzip, deflate"]))
        #expect(CompressionMiddleware.acceptsGzip(["Accept-Encoding": "br;q=1.0, gzip;q=0.5"]))
        #expect(!CompressionMiddleware.acceptsGzip(["Accept-Encoding": "gzip;q=0"]))
        #expect(CompressionMiddleware.acceptsGzip(["Accept-Encoding": "*"]))
        #expect(!CompressionMiddleware.acceptsGzip(["Accept-Encoding": "*, gzip;q=0"]))
        #expect(!CompressionMiddleware.acceptsGzip([:]))
    }

    @Test func problemDocumentsNameTheirFields() throws {
        let response = ProblemRenderer().response(for: HTTPError.validation(field: "voicemail.pin", "must be 1 to 5 digits"), requestID: "r1")
        #expect(response.status == .unprocessableContent)
        #expect(response.headers["Content-Type"] == "application/problem+json")
        guard case .bytes(let body) = response.body else {
            Issue.record("no body")
            return
        }
        let problem = try JSONCoding.decode(ProblemDetails.self, from: body)
        #expect(problem.type == "https://centralita.dev/problems/validation")
        #expect(problem.errors == [.init(field: "voicemail.pin", message: "must be 1 to 5 digits")])
        #expect(problem.requestId == "r1")
    }

    @Test func clientRequestIDsAreKeptOnlyWhenSane() {
        #expect(RequestID.from([.init(name: "X-Request-Id", value: "abc-123_x.y:z")]) == "abc-123_x.y:z")
        #expect(RequestID.from([.init(name: "x-request-id", value: "bad id with spaces")]) != "bad id with spaces")
        #expect(RequestID.from([.init(name: "X-Request-Id", value: String(repeating: "a", count: 129))]).count == 16)
        #expect(RequestID.generate() != RequestID.generate())
    }

    @Test func httpDatesAreIMFFixdate() {
        #expect(HTTPDate.format(epochSeconds: 784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
    }

    @Test func metricsRenderInPrometheusTextFormat() {
        let registry = MetricsRegistry()
        let metrics = HTTPMetrics(registry: registry)
        metrics.observe(route: "/a\"b", method: "GET", status: 200, seconds: 0.5)
        registry.addCollector { [("open_connections", "Open connections.", ["side": "client"], 3)] }
        let text = registry.render()
        #expect(text.contains("# TYPE http_requests_total counter"))
        #expect(text.contains(#"http_requests_total{method="GET",route="/a\"b",status="200"} 1"#))
        #expect(text.contains(#"http_request_duration_seconds_bucket{route="/a\"b",le="0.25"} 0"#))
        #expect(text.contains(#"http_request_duration_seconds_bucket{route="/a\"b",le="0.5"} 1"#))
        #expect(text.contains(#"http_request_duration_seconds_bucket{route="/a\"b",le="+Inf"} 1"#))
        #expect(text.contains(#"http_request_duration_seconds_count{route="/a\"b"} 1"#))
        #expect(text.contains("# TYPE open_connections gauge"))
        #expect(text.contains(#"open_connections{side="client"} 3"#))
    }
}
