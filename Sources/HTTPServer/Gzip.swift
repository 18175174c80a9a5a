import CZlib

/// gzip through zlib, for response compression (and, in tests, to check what was sent).
public enum Gzip {
    public struct Failure: Error, CustomStringConvertible {
        public let code: Int32
        public var description: String { "zlib error \(code)" }
    }

    public static func compress(_ input: [UInt8], level: Int32 = 6) throws -> [UInt8] {
        var stream = z_stream()
        // windowBits 15 + 16 selects the gzip wrapper.
        guard czlib_deflateInit2(&stream, level, 15 + 16) == Z_OK else { throw Failure(code: Z_STREAM_ERROR) }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 32)
        var input = input
        let produced: Int = try input.withUnsafeMutableBufferPointer { inBuffer in
            try output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = uInt(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = uInt(outBuffer.count)
                let rc = deflate(&stream, Z_FINISH)
                guard rc == Z_STREAM_END else { throw Failure(code: rc) }
                return outBuffer.count - Int(stream.avail_out)
            }
        }
        output.removeSubrange(produced...)
        return output
    }

    public static func decompress(_ input: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        guard czlib_inflateInit2(&stream, 15 + 32) == Z_OK else { throw Failure(code: Z_STREAM_ERROR) }
        defer { inflateEnd(&stream) }
        var result: [UInt8] = []
        var input = input
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        try input.withUnsafeMutableBufferPointer { inBuffer in
            stream.next_in = inBuffer.baseAddress
            stream.avail_in = uInt(inBuffer.count)
            while true {
                let (rc, produced) = chunk.withUnsafeMutableBufferPointer { outBuffer -> (Int32, Int) in
                    stream.next_out = outBuffer.baseAddress
                    stream.avail_out = uInt(outBuffer.count)
                    let rc = inflate(&stream, Z_NO_FLUSH)
                    return (rc, outBuffer.count - Int(stream.avail_out))
                }
                result.append(contentsOf: chunk[0..<produced])
                if rc == Z_STREAM_END { return }
                guard rc == Z_OK else { throw Failure(code: rc) }
            }
        }
        return result
    }
}

/// Compresses in-memory bodies over 1 KiB with gzip when the client accepts it and the type
/// is worth compressing.
public struct CompressionMiddleware: HTTPMiddleware {
    public var minimumBytes: Int

    public init(minimumBytes: Int = 1024) {
        self.minimumBytes = minimumBytes
    }

    public func handle(_ request: HTTPRequest, next: HTTPHandler) async throws -> HTTPResponse {
        var response = try await next(request)
        guard case .bytes(let body) = response.body, body.count > minimumBytes,
              response.status.code == 200, response.headers["Content-Encoding"] == nil,
              CompressionMiddleware.isCompressible(response.headers["Content-Type"]) else {
            return response
        }
        response.headers.add("Vary", "Accept-Encoding")
        guard CompressionMiddleware.acceptsGzip(request.headers) else { return response }
        response.body = .bytes(try Gzip.compress(body))
        response.headers["Content-Encoding"] = "gzip"
        if let etag = response.headers["ETag"], !etag.hasPrefix("W/") {
            response.headers["ETag"] = "W/" + etag
        }
        return response
    }

    static func isCompressible(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        // One ASCII-lowercased copy of the bytes, searched for each pattern.
        let type = contentType.utf8.map { $0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0 }
        func has(_ pattern: String) -> Bool { type.firstRange(of: Array(pattern.utf8)) != nil }
        return type.starts(with: "text/".utf8) || has("json") || has("javascript") || has("xml") || has("yaml")
            || type.starts(with: "image/svg".utf8)
    }

    /// True when `Accept-Encoding` lists gzip (or `*`) with a non-zero quality.
    static func acceptsGzip(_ headers: HTTPHeaders) -> Bool {
        var gzip: Double?
        var star: Double?
        for element in headers.values("Accept-Encoding").flatMap({ $0.split(separator: ",") }) {
            let parts = element.split(separator: ";").map { $0.trimmingOWS().lowercased() }
            guard let coding = parts.first else { continue }
            var q = 1.0
            for parameter in parts.dropFirst() where parameter.hasPrefix("q=") {
                q = Double(parameter.dropFirst(2)) ?? 0
            }
            if coding == "gzip" || coding == "x-gzip" { gzip = q } else if coding == "*" { star = q }
        }
        return (gzip ?? star ?? 0) > 0
    }
}
