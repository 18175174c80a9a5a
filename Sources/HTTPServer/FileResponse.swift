import Foundation

/// Serves a file with what browsers and download tools expect: `ETag`/`If-None-Match` (304),
/// `Last-Modified`, single `Range` requests (206, or 416 when unsatisfiable), and streaming for
/// files too large to hold in memory.
public enum FileResponse {
    /// Files up to this size are read whole; larger ones are streamed in 64 KiB pieces.
    static let inMemoryLimit = 1024 * 1024

    public static func serve(path: String, request: HTTPRequest, contentType: String? = nil,
                             cacheControl: String? = nil) async throws -> HTTPResponse {
        let info: (size: Int, mtime: Int)? = try await BlockingIO.run {
            var st = stat()
            guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
            return (Int(st.st_size), Int(st.st_mtim.tv_sec))
        }
        guard let (size, mtime) = info else {
            throw HTTPError(.notFound, detail: "There is nothing at this path.")
        }
        let etag = "W/\"\(String(size, radix: 16))-\(String(mtime, radix: 16))\""

        var headers: HTTPHeaders = [
            "Content-Type": contentType ?? MediaType.forPath(path),
            "ETag": etag,
            "Last-Modified": HTTPDate.format(epochSeconds: mtime),
            "Accept-Ranges": "bytes",
        ]
        if let cacheControl { headers["Cache-Control"] = cacheControl }

        if let ifNoneMatch = request.headers["If-None-Match"], matches(ifNoneMatch, etag: etag) {
            headers.remove("Content-Type")
            return HTTPResponse(status: .notModified, headers: headers)
        }

        var range: ClosedRange<Int>?
        if let header = request.headers["Range"], request.method == .get || request.method == .head,
           request.headers["If-Range"].map({ $0 == etag }) ?? true {
            switch ByteRange.parse(header, size: size) {
            case .none: break
            case .unsatisfiable:
                headers["Content-Range"] = "bytes */\(size)"
                headers.remove("Content-Type")
                throw HTTPError(.rangeNotSatisfiable, detail: "The requested range lies outside the file.", headers: ["Content-Range": "bytes */\(size)"])
            case .range(let r):
                range = r
            }
        }

        let status: HTTPStatus = range == nil ? .ok : .partialContent
        let bounds = range ?? (size > 0 ? 0...(size - 1) : 0...(-1 + 1))
        let length = range.map { $0.count } ?? size
        if let range { headers["Content-Range"] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)" }
        if request.method == .head {
            return HTTPResponse(status: status, headers: headers, body: .stream(length: length) { _ in })
        }
        if length <= inMemoryLimit {
            let bytes: [UInt8] = try await BlockingIO.run {
                guard let handle = FileHandle(forReadingAtPath: path) else { throw HTTPError(.notFound) }
                defer { try? handle.close() }
                try handle.seek(toOffset: UInt64(bounds.lowerBound))
                return Array(try handle.read(upToCount: length) ?? Data())
            }
            return HTTPResponse(status: status, headers: headers, body: .bytes(bytes))
        }
        let start = bounds.lowerBound
        return HTTPResponse(status: status, headers: headers, body: .stream(length: length) { writer in
            let handle = UncheckedBox(try await BlockingIO.run {
                guard let handle = FileHandle(forReadingAtPath: path) else { throw HTTPError(.notFound) }
                try handle.seek(toOffset: UInt64(start))
                return handle
            })
            defer { try? handle.value.close() }
            var remaining = length
            while remaining > 0 {
                let want = min(remaining, 64 * 1024)
                let chunk: [UInt8] = try await BlockingIO.run { Array(try handle.value.read(upToCount: want) ?? Data()) }
                guard !chunk.isEmpty else { break }
                try await writer.write(chunk)
                remaining -= chunk.count
            }
        })
    }

    static func matches(_ header: String, etag: String) -> Bool {
        if header.trimmingOWS() == "*" { return true }
        let opaque = { (tag: String) in tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag }
        return header.split(separator: ",").contains { opaque($0.trimmingOWS()) == opaque(etag) }
    }
}

/// A `Range: bytes=…` header against a file of known size.
enum ByteRange: Equatable {
    case none
    case unsatisfiable
    case range(ClosedRange<Int>)

    /// Only single ranges are honoured; a multi-range request is answered in full (allowed by
    /// RFC 9110 §14.2), and anything malformed is ignored.
    static func parse(_ header: String, size: Int) -> ByteRange {
        let value = header.trimmingOWS()
        guard value.lowercased().hasPrefix("bytes=") else { return .none }
        let spec = value.dropFirst(6)
        guard !spec.contains(",") else { return .none }
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map { $0.trimmingOWS() }
        guard parts.count == 2 else { return .none }
        let digits = { (s: String) in !s.isEmpty && s.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }
        if parts[0].isEmpty {
            guard digits(parts[1]), let suffix = Int(parts[1]) else { return .none }
            guard suffix > 0, size > 0 else { return .unsatisfiable }
            return .range(max(0, size - suffix)...(size - 1))
        }
        guard digits(parts[0]), let first = Int(parts[0]) else { return .none }
        guard first < size else { return .unsatisfiable }
        if parts[1].isEmpty { return .range(first...(size - 1)) }
        guard digits(parts[1]), let last = Int(parts[1]), last >= first else { return .none }
        return .range(first...min(last, size - 1))
    }
}

/// Content types by file extension, for static files.
public enum MediaType {
    public static func forPath(_ path: String) -> String {
        let ext = path.split(separator: ".").last.map { $0.lowercased() } ?? ""
        switch ext {
        case "html", "htm": return "text/html; charset=utf-8"
        case "js", "mjs": return "text/javascript; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "json": return "application/json; charset=utf-8"
        case "yaml", "yml": return "application/yaml; charset=utf-8"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "ico": return "image/x-icon"
        case "woff2": return "font/woff2"
        case "txt": return "text/plain; charset=utf-8"
        case "wav": return "audio/wav"
        case "mp3": return "audio/mpeg"
        case "csv": return "text/csv; charset=utf-8"
        case "xlsx": return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        default: return "application/octet-stream"
        }
    }
}
