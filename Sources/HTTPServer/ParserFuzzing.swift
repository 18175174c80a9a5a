/// The per-input work of the HTTP fuzzer (`Sources/FuzzHTTPParser`), kept in the library so
/// that the regression test replays the saved corpus through exactly the same code in an
/// ordinary debug build.
///
/// The first input byte chooses the limits and how the rest is cut into reads; the rest is the
/// byte stream a client sends. The stream is fed to fresh parsers the way a connection does
/// (whole, in pieces derived from the input, byte by byte for short inputs, twice back to back),
/// each head gets the body limit its route would give it, and every complete request goes
/// through the helpers handlers use (query, percent decoding, ranges, validators, request IDs,
/// the router). A trap is a crash; a broken invariant is returned as a sentence.
public enum ParserFuzzing {
    /// What one way of feeding produced.
    struct Outcome: Equatable {
        var events: [HTTPParserEvent] = []
        var error: HTTPParseError?
        var idle = false
    }

    /// Runs one input. `inspect` sees every complete request (the portal adds its own header
    /// helpers) and returns broken invariants of its own. Returns every broken invariant.
    public static func check(_ input: [UInt8], inspect: ((HTTPRequest) -> [String])? = nil) -> [String] {
        guard let control = input.first else { return [] }
        let stream = Array(input.dropFirst())
        let limits = control & 1 == 0 ? HTTPParserLimits() : smallLimits
        var problems: [String] = []

        let whole = feed([stream[...]], limits: limits)
        let pieces = feed(cut(stream, seed: control), limits: limits)
        if pieces != whole { problems.append("fed in pieces: \(describe(pieces)) instead of \(describe(whole))") }
        if stream.count <= 512 {
            let bytewise = feed(stream.indices.map { stream[$0...$0] }, limits: limits)
            if bytewise != whole { problems.append("fed byte by byte: \(describe(bytewise)) instead of \(describe(whole))") }
        }
        if whole.error == nil && whole.idle {
            let twice = feed([(stream + stream)[...]], limits: limits)
            let expected = Outcome(events: whole.events + whole.events, error: nil, idle: true)
            if twice != expected { problems.append("fed twice: \(describe(twice)) instead of \(describe(expected))") }
        }
        problems += framingProblems(whole.events)
        for request in requests(whole.events) {
            problems += RequestInspection.problems(request)
            problems += inspect?(request) ?? []
        }
        return problems
    }

    /// Small limits, so that short inputs cross every one of them.
    static var smallLimits: HTTPParserLimits {
        var l = HTTPParserLimits()
        l.maxRequestLineBytes = 64
        l.maxHeaderBytes = 160
        l.maxHeaderCount = 4
        l.defaultMaxBodyBytes = 48
        l.maxChunkLineBytes = 24
        return l
    }

    /// Feeds the pieces to a fresh parser as a connection does, giving each head its route's
    /// body limit, until the input runs out or the parser fails.
    static func feed(_ pieces: [ArraySlice<UInt8>], limits: HTTPParserLimits) -> Outcome {
        var parser = HTTPRequestParser(limits: limits)
        var outcome = Outcome()
        for piece in pieces {
            parser.feed(piece)
            do {
                while let event = try parser.next() {
                    if case .head(let head) = event {
                        parser.setBodyLimit(bodyLimit(for: head, limits: limits))
                    }
                    outcome.events.append(event)
                }
            } catch {
                outcome.error = error
                return outcome
            }
        }
        outcome.idle = parser.isIdle
        return outcome
    }

    /// The limit the connection would set: the matched route's, else the default.
    static func bodyLimit(for head: HTTPRequestHead, limits: HTTPParserLimits) -> Int {
        let path = head.target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? "/"
        return RequestInspection.router.match(head.method, path: path).maxBodyBytes ?? limits.defaultMaxBodyBytes
    }

    /// Read sizes drawn from a small generator seeded by the control byte and the input, so
    /// that the same input is always cut the same way.
    static func cut(_ stream: [UInt8], seed: UInt8) -> [ArraySlice<UInt8>] {
        var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(stream.count)
        var pieces: [ArraySlice<UInt8>] = []
        var start = 0
        while start < stream.count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let size = 1 + Int((state >> 33) % 17)
            let end = min(stream.count, start + size)
            pieces.append(stream[start..<end])
            start = end
        }
        return pieces
    }

    /// A body matches the framing its head announced.
    static func framingProblems(_ events: [HTTPParserEvent]) -> [String] {
        var problems: [String] = []
        var head: HTTPRequestHead?
        for event in events {
            switch event {
            case .head(let h):
                if head != nil { problems.append("a head followed a head") }
                head = h
            case .end(let body):
                guard let h = head else { problems.append("a body without a head"); continue }
                switch h.framing {
                case .none where !body.isEmpty: problems.append("a body of \(body.count) bytes for a request without one")
                case .length(let n) where n != body.count: problems.append("a body of \(body.count) bytes for Content-Length \(n)")
                default: break
                }
                head = nil
            case .bodyPart:
                problems.append("a streamed body part, though nothing asked for streaming")
            }
        }
        return problems
    }

    /// Complete requests, built as the connection builds them.
    static func requests(_ events: [HTTPParserEvent]) -> [HTTPRequest] {
        var head: HTTPRequestHead?
        var requests: [HTTPRequest] = []
        for event in events {
            switch event {
            case .head(let h): head = h
            case .end(let body):
                guard let h = head else { continue }
                var request = HTTPRequest(method: h.method, target: h.target, version: h.version,
                                          headers: HTTPHeaders(fields: h.headers), body: body,
                                          requestID: RequestID.from(h.headers))
                if case .found(let route, let parameters) = RequestInspection.router.match(h.method, path: request.path) {
                    request.parameters = parameters
                    request.routeTemplate = route.template
                }
                requests.append(request)
                head = nil
            case .bodyPart: continue
            }
        }
        return requests
    }

    static func describe(_ outcome: Outcome) -> String {
        "\(outcome.events.count) events, error \(outcome.error.map { "\($0)" } ?? "none"), idle \(outcome.idle)"
    }
}
