import Foundation
import HTTPServer
import MediaProtocol

/// The signature check of every signed route, done on the request head before any of the
/// body is read: an unsigned or forged request is answered 401 at once, however large a body
/// it announces, and the body is drained, never kept.
extension AgentRoutes {
    /// Checks the head of a signed request with an in-memory body (small routes); the handler
    /// then holds the body against the signed digest with `bodyMatches`.
    var signedHead: HTTPHeadGate {
        { request in
            _ = try verifyHead(request)
            return nil
        }
    }

    /// Checks the head of a bundle upload and streams its body to the spool folder.
    var signedUpload: HTTPHeadGate {
        { request in
            let digest = try verifyHead(request)
            do {
                return try BundleUpload(directory: spoolDirectory, digest: digest, length: Self.contentLength(request) ?? 0)
            } catch {
                logger.error("cannot spool a bundle", metadata: ["error": "\(error)"])
                throw HTTPError(.serviceUnavailable, detail: "this node cannot store the bundle: \(error)")
            }
        }
    }

    /// The signed digest of a request's body; throws 401 when the head is not properly signed.
    func verifyHead(_ request: HTTPRequest) throws -> String {
        guard let length = Self.contentLength(request) else {
            throw HTTPError(.lengthRequired, detail: "a signed request states its Content-Length")
        }
        do {
            return try RequestSignature.verifyHead(secret: configuration.secret, method: request.method.rawValue, path: request.target,
                                                   contentLength: length, now: clock(), replays: replays) { request.headers[$0] }
        } catch {
            logger.warning("unsigned request refused", metadata: ["path": "\(request.path)", "remote": "\(request.remoteAddress)", "error": "\(error)"])
            throw HTTPError(.unauthorized, detail: error.description)
        }
    }

    /// Whether the body read into memory is the one whose digest the head signed.
    func bodyMatches(_ request: HTTPRequest) throws {
        let declared = request.headers[RequestSignature.digestHeader]?.lowercased() ?? ""
        guard Digests.constantTimeEqual(Array(Digests.hex(Digests.sha256(request.body)).utf8), Array(declared.utf8)) else {
            throw HTTPError(.unauthorized, detail: RequestSignature.Failure.bodyMismatch.description)
        }
    }

    /// The announced body length: the Content-Length, 0 with no body at all, nil when chunked.
    static func contentLength(_ request: HTTPRequest) -> Int? {
        if let text = request.headers["Content-Length"] { return Int(text) }
        return request.headers["Transfer-Encoding"] == nil ? 0 : nil
    }
}

extension AgentRoutes {
    /// The decoder `JSONCoding` uses, reading `Data` without a copy into an array.
    static func bundleDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
