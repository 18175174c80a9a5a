import Testing
@testable import HTTPServer

/// Every malformed or ambiguous request is refused with the right error, however its bytes
/// arrive. The tests are named after the attack or mistake each refusal stops.
@Suite struct RequestParserRejectionTests {
    func rejection(_ text: String, limits: HTTPParserLimits = HTTPParserLimits()) throws -> HTTPParseError? {
        try ParserVerifier(limits: limits).verify(text).get().error
    }

    func rejection(_ bytes: [UInt8], limits: HTTPParserLimits = HTTPParserLimits()) throws -> HTTPParseError? {
        try ParserVerifier(limits: limits).verify(bytes).get().error
    }

    // MARK: Request smuggling

    @Test func smugglingWithContentLengthAndTransferEncodingIsRefused() throws {
        let error = try rejection("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        #expect(error == .contentLengthWithTransferEncoding)
        #expect(error?.status == .badRequest)
    }

    @Test func smugglingWithDifferingContentLengthsIsRefused() throws {
        #expect(try rejection("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde") == .conflictingContentLength)
        #expect(try rejection("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4, 5\r\n\r\nabcde") == .conflictingContentLength)
    }

    @Test func smugglingWithSignedOrHexContentLengthIsRefused() throws {
        for value in ["+4", "-4", "0x4", "4a", "", " ", "99999999999999999999"] {
            #expect(try rejection("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: \(value)\r\n\r\nabcd") == .invalidContentLength, "\(value)")
        }
    }

    @Test func smugglingWithObsoleteLineFoldingIsRefused() throws {
        #expect(try rejection("GET / HTTP/1.1\r\nHost: h\r\nX-A: one\r\n two\r\n\r\n") == .obsoleteLineFolding)
        #expect(try rejection("GET / HTTP/1.1\r\nHost: h\r\n\tTransfer-Encoding: chunked\r\n\r\n") == .obsoleteLineFolding)
    }

    @Test func smugglingWithWhitespaceBeforeTheColonIsRefused() throws {
        #expect(try rejection("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n") == .invalidHeaderName)
    }

    @Test func smugglingWithBareLineFeedsIsRefused() throws {
        #expect(try rejection("GET / HTTP/1.1\nHost: h\r\n\r\n") == .bareLineFeed)
        #expect(try rejection("GET / HTTP/1.1\r\nHost: h\n\r\n") == .bareLineFeed)
        #expect(try rejection("GET / HTTP/1.1\r\nHost: h\r\n\n") == .bareLineFeed)
    }

    @Test func smugglingWithBareCarriageReturnsIsRefused() throws {
        #expect(try rejection("GET / HTTP/1.1\r\nHost: h\rX-B: c\r\n\r\n") == .bareCarriageReturn)
        #expect(try rejection("GET /\r HTTP/1.1\r\nHost: h\r\n\r\n") == .bareCarriageReturn)
    }

    @Test func smugglingWithUnknownTransferCodingsIsNotImplemented() throws {
        for value in ["gzip", "gzip, chunked", "chunked, gzip", "identity"] {
            let error = try rejection("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \(value)\r\n\r\n0\r\n\r\n")
            #expect(error == .unsupportedTransferCoding, "\(value)")
            #expect(error?.status == .notImplemented)
        }
    }

    @Test func smugglingWithRepeatedChunkedCodingIsRefused() throws {
        #expect(try rejection("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n") == .invalidTransferEncoding)
    }

    @Test func smugglingWithTransferEncodingInHTTP10IsRefused() throws {
        #expect(try rejection("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n") == .transferEncodingInHTTP10)
    }

    // MARK: Chunk framing

    @Test func chunkSizesThatAreNotHexAreRefused() throws {
        for size in ["zz", "0x10", "-1", " 5", "", "5 x"] {
            #expect(try rejection("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n\(size)\r\nhello\r\n0\r\n\r\n") == .invalidChunkSize, "\(size)")
        }
    }

    @Test func chunkSizeOverflowIsRefused() throws {
        #expect(try rejection("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n") == .invalidChunkSize)
    }

    @Test func chunkDataNotFollowedByCRLFIsRefused() throws {
        #expect(try rejection("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n") == .missingChunkTerminator)
    }

    @Test func endlessChunkExtensionsAreRefused() throws {
        var limits = HTTPParserLimits()
        limits.maxChunkLineBytes = 32
        let text = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1;" + String(repeating: "e", count: 64) + "\r\na\r\n0\r\n\r\n"
        #expect(try rejection(text, limits: limits) == .chunkLineTooLong)
    }

    // MARK: Size limits

    @Test func overlongRequestLineIsURITooLong() throws {
        let error = try rejection("GET /" + String(repeating: "a", count: 8 * 1024) + " HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(error == .requestLineTooLong)
        #expect(error?.status == .uriTooLong)
    }

    @Test func oversizedHeaderSectionIsRefused() throws {
        let filler = (0..<40).map { "X-Filler-\($0): " + String(repeating: "v", count: 420) }.joined(separator: "\r\n")
        let error = try rejection("GET / HTTP/1.1\r\nHost: h\r\n" + filler + "\r\n\r\n")
        #expect(error == .headerSectionTooLarge)
        #expect(error?.status == .requestHeaderFieldsTooLarge)
    }

    @Test func oneEndlessHeaderLineIsRefused() throws {
        #expect(try rejection("GET / HTTP/1.1\r\nHost: h\r\nX-Long: " + String(repeating: "v", count: 17 * 1024)) == .headerSectionTooLarge)
    }

    @Test func headerFloodingIsRefused() throws {
        let fields = (0..<101).map { "X-\($0): v" }.joined(separator: "\r\n")
        let error = try rejection("GET / HTTP/1.1\r\nHost: h\r\n" + fields + "\r\n\r\n")
        #expect(error == .tooManyHeaderFields)
        #expect(error?.status == .requestHeaderFieldsTooLarge)
    }

    @Test func trailerFloodingIsRefused() throws {
        var limits = HTTPParserLimits()
        limits.maxHeaderCount = 4
        let trailers = (0..<5).map { "X-T\($0): v" }.joined(separator: "\r\n")
        #expect(try rejection("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" + trailers + "\r\n\r\n", limits: limits) == .tooManyHeaderFields)
    }

    @Test func oversizedContentLengthBodyIsRefusedBeforeReading() throws {
        var limits = HTTPParserLimits()
        limits.defaultMaxBodyBytes = 10
        let error = try rejection("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n", limits: limits)
        #expect(error == .bodyTooLarge)
        #expect(error?.status == .contentTooLarge)
    }

    @Test func oversizedChunkedBodyIsRefused() throws {
        var limits = HTTPParserLimits()
        limits.defaultMaxBodyBytes = 10
        #expect(try rejection("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\nabcdef\r\n0\r\n\r\n", limits: limits) == .bodyTooLarge)
    }

    // MARK: Malformed heads

    @Test func unknownHTTPVersionsAreNotSupported() throws {
        let error = try rejection("GET / HTTP/2.0\r\nHost: h\r\n\r\n")
        #expect(error == .unsupportedVersion)
        #expect(error?.status == .httpVersionNotSupported)
        #expect(try rejection("GET / HTTP/1.1x\r\nHost: h\r\n\r\n") == .malformedRequestLine)
        #expect(try rejection("GET / http/1.1\r\nHost: h\r\n\r\n") == .malformedRequestLine)
    }

    @Test func malformedRequestLinesAreRefused() throws {
        for line in ["GET", "GET /", "GET  / HTTP/1.1", "G(T / HTTP/1.1", " GET / HTTP/1.1", "GET / HTTP/1.1 extra"] {
            #expect(try rejection(line + "\r\nHost: h\r\n\r\n") != nil, "\(line)")
        }
    }

    @Test func targetsThatAreNotPathsAreRefused() throws {
        #expect(try rejection("GET foo HTTP/1.1\r\nHost: h\r\n\r\n") == .invalidRequestTarget)
        #expect(try rejection([UInt8]("GET /caf".utf8) + [0xC3, 0xA9] + [UInt8](" HTTP/1.1\r\nHost: h\r\n\r\n".utf8)) == .invalidRequestTarget)
    }

    @Test func headerNamesWithSeparatorsAreRefused() throws {
        #expect(try rejection("GET / HTTP/1.1\r\nHost: h\r\nX(Y): v\r\n\r\n") == .invalidHeaderName)
        #expect(try rejection("GET / HTTP/1.1\r\nHost: h\r\n: v\r\n\r\n") == .invalidHeaderName)
        #expect(try rejection("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n") == .invalidHeaderName)
    }

    @Test func controlCharactersInHeaderValuesAreRefused() throws {
        #expect(try rejection([UInt8]("GET / HTTP/1.1\r\nHost: h\r\nX: a".utf8) + [0] + [UInt8]("b\r\n\r\n".utf8)) == .invalidHeaderValue)
        #expect(try rejection([UInt8]("GET / HTTP/1.1\r\nHost: h\r\nX: a".utf8) + [0x7F] + [UInt8]("\r\n\r\n".utf8)) == .invalidHeaderValue)
    }

    @Test func hostConfusionIsRefused() throws {
        #expect(try rejection("GET / HTTP/1.1\r\n\r\n") == .missingHost)
        #expect(try rejection("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == .duplicateHost)
    }

    @Test func unknownExpectationsFail() throws {
        let error = try rejection("POST / HTTP/1.1\r\nHost: h\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\na")
        #expect(error == .unsupportedExpectation)
        #expect(error?.status == .expectationFailed)
    }

    @Test func aFailedParserStaysFailed() throws {
        var parser = HTTPRequestParser()
        parser.feed(Array("GET / HTTP/9.9\r\n".utf8))
        #expect(throws: HTTPParseError.unsupportedVersion) { try parser.next() }
        parser.feed(Array("GET / HTTP/1.1\r\nHost: h\r\n\r\n".utf8))
        #expect(throws: HTTPParseError.unsupportedVersion) { try parser.next() }
    }
}
