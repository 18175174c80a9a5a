/// An incremental HTTP/1.1 request parser.
///
/// Bytes are fed in whatever pieces the socket delivers; `next()` returns events as soon as
/// they are complete, so the result never depends on how the stream was split. It is strict:
/// anything that two servers could read differently (request smuggling) is refused. After an
/// error the parser is unusable: the connection must answer and close.
public struct HTTPRequestParser: Sendable {
    private enum State: Sendable {
        case requestLine
        case headerLines
        case awaitingBody
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case failed(HTTPParseError)
    }

    public let limits: HTTPParserLimits
    private var state: State = .requestLine
    private var buffer: [UInt8] = []
    private var readIndex = 0
    /// Where the search for the next LF resumes, so byte-by-byte feeding stays linear.
    private var scanIndex = 0
    private var bodyLimit: Int

    private var method = HTTPMethod.get
    private var target = ""
    private var version = HTTPVersion.http1_1
    private var headers: [HTTPHeaders.Field] = []
    private var headerBytes = 0
    private var trailerCount = 0
    private var framing = HTTPBodyFraming.none
    private var body: [UInt8] = []
    /// Whether the current body goes out as `.bodyPart` events instead of into `body`.
    private var streaming = false
    /// Body bytes of the current request so far (streamed or kept).
    private var bodyCount = 0

    public init(limits: HTTPParserLimits = HTTPParserLimits()) {
        self.limits = limits
        self.bodyLimit = limits.defaultMaxBodyBytes
    }

    public mutating func feed(_ bytes: some Sequence<UInt8>) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    public mutating func feed(_ pointer: UnsafeRawBufferPointer) {
        compact()
        buffer.append(contentsOf: pointer)
    }

    /// Drops consumed bytes before new ones arrive, so a connection that keeps sending what
    /// is consumed without completing a request (empty lines between requests, a long body
    /// streamed in small reads) holds only what is still unparsed, not all it ever sent.
    private mutating func compact() {
        guard readIndex > 0 else { return }
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 64 * 1024)
        } else if readIndex >= 4096 && readIndex >= buffer.count / 2 {
            buffer.removeFirst(readIndex)
        } else {
            return
        }
        scanIndex -= readIndex
        readIndex = 0
    }

    /// Bytes held, consumed or not (for tests of compaction).
    var storedByteCount: Int { buffer.count }

    /// Bytes received but not yet consumed by a complete event.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// True between requests with nothing buffered: closing now loses nothing.
    public var isIdle: Bool {
        if case .requestLine = state { return buffer.count == readIndex }
        return false
    }

    /// True once a head was returned and the body is not complete yet.
    public var isReadingBody: Bool {
        switch state {
        case .awaitingBody, .fixedBody, .chunkSize, .chunkData, .chunkDataEnd, .trailers: true
        default: false
        }
    }

    /// True when the head of a request has started arriving but is not complete.
    public var isReadingHead: Bool {
        switch state {
        case .requestLine: buffer.count > readIndex
        case .headerLines: true
        default: false
        }
    }

    /// Sets the body limit for the request whose head was just returned (the route's limit).
    public mutating func setBodyLimit(_ limit: Int) { bodyLimit = limit }

    /// Hands the body of the request whose head was just returned out in `.bodyPart` events
    /// as it arrives, instead of keeping it for `.end` (which then carries no bytes).
    public mutating func streamBody() { streaming = true }

    public mutating func next() throws(HTTPParseError) -> HTTPParserEvent? {
        do {
            return try step()
        } catch {
            state = .failed(error)
            throw error
        }
    }

    private mutating func step() throws(HTTPParseError) -> HTTPParserEvent? {
        while true {
            switch state {
            case .failed(let error):
                throw error
            case .requestLine:
                guard let line = try nextLine(limit: limits.maxRequestLineBytes, tooLong: .requestLineTooLong) else {
                    return nil
                }
                if line.isEmpty { continue } // RFC 9112 §2.2: ignore empty lines before a request
                try parseRequestLine(line)
                state = .headerLines
            case .headerLines:
                guard let line = try nextFieldLine() else { return nil }
                if line.isEmpty {
                    let head = try finishHead()
                    state = .awaitingBody
                    return .head(head)
                }
                headers.append(try HTTPRequestParser.parseHeaderLine(line))
                if headers.count > limits.maxHeaderCount { throw .tooManyHeaderFields }
            case .awaitingBody:
                switch framing {
                case .none:
                    return finishRequest()
                case .length(let n):
                    if n > bodyLimit { throw .bodyTooLarge }
                    if !streaming { body.reserveCapacity(n) }
                    state = .fixedBody(remaining: n)
                case .chunked:
                    state = .chunkSize
                }
            case .fixedBody(let remaining):
                if remaining == 0 { return finishRequest() }
                let take = min(remaining, buffer.count - readIndex)
                if streaming {
                    guard take > 0 else { return nil }
                    let part = Array(buffer[readIndex..<readIndex + take])
                    readIndex += take
                    scanIndex = readIndex
                    bodyCount += take
                    state = .fixedBody(remaining: remaining - take)
                    return .bodyPart(part)
                }
                body.append(contentsOf: buffer[readIndex..<readIndex + take])
                readIndex += take
                scanIndex = readIndex
                if take == remaining { return finishRequest() }
                state = .fixedBody(remaining: remaining - take)
                return nil
            case .chunkSize:
                guard let line = try nextLine(limit: limits.maxChunkLineBytes, tooLong: .chunkLineTooLong) else {
                    return nil
                }
                let size = try parseChunkSize(line)
                if size == 0 {
                    state = .trailers
                } else {
                    if bodyCount + size > bodyLimit { throw .bodyTooLarge }
                    state = .chunkData(remaining: size)
                }
            case .chunkData(let remaining):
                let take = min(remaining, buffer.count - readIndex)
                let part = buffer[readIndex..<readIndex + take]
                if !streaming { body.append(contentsOf: part) }
                readIndex += take
                scanIndex = readIndex
                bodyCount += take
                if streaming && take > 0 {
                    state = take < remaining ? .chunkData(remaining: remaining - take) : .chunkDataEnd
                    return .bodyPart(Array(part))
                }
                if take < remaining {
                    state = .chunkData(remaining: remaining - take)
                    return nil
                }
                state = .chunkDataEnd
            case .chunkDataEnd:
                guard buffer.count - readIndex >= 1 else { return nil }
                if buffer[readIndex] != 13 { throw .missingChunkTerminator }
                guard buffer.count - readIndex >= 2 else { return nil }
                if buffer[readIndex + 1] != 10 { throw .missingChunkTerminator }
                readIndex += 2
                scanIndex = readIndex
                state = .chunkSize
            case .trailers:
                guard let line = try nextFieldLine() else { return nil }
                if line.isEmpty { return finishRequest() }
                _ = try HTTPRequestParser.parseHeaderLine(line)
                trailerCount += 1
                if headers.count + trailerCount > limits.maxHeaderCount { throw .tooManyHeaderFields }
            }
        }
    }

    // MARK: Lines

    /// The next CRLF-terminated line without its CRLF, or nil when more bytes are needed.
    private mutating func nextLine(limit: Int, tooLong: HTTPParseError) throws(HTTPParseError) -> ArraySlice<UInt8>? {
        let end = buffer.count
        var i = scanIndex
        while i < end && buffer[i] != 10 { i += 1 }
        guard i < end else {
            scanIndex = end
            // Allow one byte for a CR that may be the first half of the terminator.
            if end - readIndex > limit + 1 { throw tooLong }
            if end - readIndex == limit + 1 && buffer[end - 1] != 13 { throw tooLong }
            return nil
        }
        // Judge length first, as the partial case above does, so the verdict does not depend
        // on whether the LF arrived in the same read (found by the parser property test).
        if i - readIndex > limit + 1 || (i - readIndex == limit + 1 && buffer[i - 1] != 13) { throw tooLong }
        guard i > readIndex, buffer[i - 1] == 13 else { throw .bareLineFeed }
        let line = buffer[readIndex..<(i - 1)]
        if line.count > limit { throw tooLong }
        if line.contains(13) { throw .bareCarriageReturn }
        readIndex = i + 1
        scanIndex = readIndex
        return line
    }

    /// The next header or trailer line, counted against the header-section budget (trailers
    /// share the head's budget, so they cannot be used to send an unlimited header section).
    private mutating func nextFieldLine() throws(HTTPParseError) -> ArraySlice<UInt8>? {
        let remainingBudget = limits.maxHeaderBytes - headerBytes
        guard let line = try nextLine(limit: max(remainingBudget - 2, 0), tooLong: .headerSectionTooLarge) else {
            return nil
        }
        headerBytes += line.count + 2
        if headerBytes > limits.maxHeaderBytes { throw .headerSectionTooLarge }
        return line
    }

    // MARK: Request line

    private mutating func parseRequestLine(_ line: ArraySlice<UInt8>) throws(HTTPParseError) {
        let parts = line.split(separator: 32, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else { throw .malformedRequestLine }
        guard parts[0].allSatisfy(HTTPRequestParser.isTokenChar) else { throw .malformedRequestLine }
        let versionBytes = parts[2]
        if versionBytes.elementsEqual("HTTP/1.1".utf8) {
            version = .http1_1
        } else if versionBytes.elementsEqual("HTTP/1.0".utf8) {
            version = .http1_0
        } else if versionBytes.count == 8, versionBytes.starts(with: "HTTP/".utf8),
                  HTTPRequestParser.isDigit(versionBytes[versionBytes.startIndex + 5]),
                  versionBytes[versionBytes.startIndex + 6] == UInt8(ascii: "."),
                  HTTPRequestParser.isDigit(versionBytes[versionBytes.startIndex + 7]) {
            throw .unsupportedVersion
        } else {
            throw .malformedRequestLine
        }
        let targetBytes = parts[1]
        guard targetBytes.allSatisfy({ $0 > 32 && $0 < 127 }) else { throw .invalidRequestTarget }
        method = HTTPMethod(String(decoding: parts[0], as: UTF8.self))
        target = try HTTPRequestParser.originForm(String(decoding: targetBytes, as: UTF8.self), method: method)
    }

    /// Reduces the absolute form (`http://host/path`) to the origin form; refuses anything else.
    private static func originForm(_ target: String, method: HTTPMethod) throws(HTTPParseError) -> String {
        if target.hasPrefix("/") { return target }
        if target == "*" && method == .options { return target }
        let lower = target.lowercased()
        for scheme in ["http://", "https://"] where lower.hasPrefix(scheme) {
            let rest = target.dropFirst(scheme.count)
            guard let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) else { return "/" }
            let path = String(rest[slash...])
            return path.hasPrefix("?") ? "/" + path : path
        }
        throw .invalidRequestTarget
    }

    // MARK: Header fields

    private static func parseHeaderLine(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> HTTPHeaders.Field {
        guard let first = line.first else { throw .invalidHeaderName }
        if first == 32 || first == 9 { throw .obsoleteLineFolding }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { throw .invalidHeaderName }
        let name = line[line.startIndex..<colon]
        guard !name.isEmpty, name.allSatisfy(HTTPRequestParser.isTokenChar) else { throw .invalidHeaderName }
        var valueStart = colon + 1
        var valueEnd = line.endIndex
        while valueStart < valueEnd, line[valueStart] == 32 || line[valueStart] == 9 { valueStart += 1 }
        while valueEnd > valueStart, line[valueEnd - 1] == 32 || line[valueEnd - 1] == 9 { valueEnd -= 1 }
        let value = line[valueStart..<valueEnd]
        for byte in value where !(byte == 9 || (byte >= 32 && byte != 127)) { throw .invalidHeaderValue }
        return HTTPHeaders.Field(
            name: String(decoding: name, as: UTF8.self),
            value: String(decoding: value, as: UTF8.self))
    }

    private mutating func finishHead() throws(HTTPParseError) -> HTTPRequestHead {
        let fields = HTTPHeaders(fields: headers)
        if version == .http1_1 {
            let hosts = fields.values("Host")
            if hosts.isEmpty { throw .missingHost }
            if hosts.count > 1 { throw .duplicateHost }
        }
        let transferEncodings = fields.values("Transfer-Encoding")
        let contentLengths = fields.values("Content-Length")
        if !transferEncodings.isEmpty {
            if version == .http1_0 { throw .transferEncodingInHTTP10 }
            if !contentLengths.isEmpty { throw .contentLengthWithTransferEncoding }
            let codings = transferEncodings.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
                .map { $0.trimmingOWS().lowercased() }
            if codings.contains(where: { $0 != "chunked" && !$0.isEmpty }) { throw .unsupportedTransferCoding }
            guard codings == ["chunked"] else { throw .invalidTransferEncoding }
            framing = .chunked
        } else if !contentLengths.isEmpty {
            var length: Int?
            for value in contentLengths.flatMap({ $0.split(separator: ",", omittingEmptySubsequences: false) }) {
                let digits = value.trimmingOWS()
                guard !digits.isEmpty, digits.utf8.count <= 18, digits.utf8.allSatisfy(HTTPRequestParser.isDigit),
                      let n = Int(digits) else { throw .invalidContentLength }
                if let length, length != n { throw .conflictingContentLength }
                length = n
            }
            framing = (length ?? 0) > 0 ? .length(length ?? 0) : .none
        } else {
            framing = .none
        }
        let connection = fields.tokens("Connection")
        let keepAlive = version == .http1_1 ? !connection.contains("close") : connection.contains("keep-alive") && !connection.contains("close")
        var expectsContinue = false
        if let expect = fields["Expect"] {
            guard expect.asciiCaseInsensitiveEquals("100-continue") else { throw .unsupportedExpectation }
            expectsContinue = version == .http1_1 && framing != .none
        }
        return HTTPRequestHead(method: method, target: target, version: version, headers: headers,
                               framing: framing, keepAlive: keepAlive, expectsContinue: expectsContinue)
    }

    // MARK: Chunks

    private func parseChunkSize(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> Int {
        var size = 0
        var digits = 0
        var index = line.startIndex
        while index < line.endIndex, let v = PercentDecoding.hexValue(line[index]) {
            digits += 1
            if digits > 15 { throw .invalidChunkSize }
            size = size << 4 | Int(v)
            index += 1
        }
        guard digits > 0 else { throw .invalidChunkSize }
        if index < line.endIndex {
            // chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ); validated loosely but
            // only visible characters and whitespace may follow the size.
            var rest = line[index...]
            while let f = rest.first, f == 32 || f == 9 { rest = rest.dropFirst() }
            guard rest.first == UInt8(ascii: ";") else { throw .invalidChunkSize }
            for byte in rest where !(byte == 9 || (byte >= 32 && byte != 127)) { throw .invalidChunkSize }
        }
        return size
    }

    private mutating func finishRequest() -> HTTPParserEvent {
        let completed = body
        body = []
        streaming = false
        bodyCount = 0
        headers = []
        headerBytes = 0
        trailerCount = 0
        framing = .none
        bodyLimit = limits.defaultMaxBodyBytes
        state = .requestLine
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex > 4096 {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
        scanIndex = readIndex
        return .end(body: completed)
    }
}
