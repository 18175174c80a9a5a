import Foundation
import HTTPServer

/// The portal's readers of request heads, for the fuzzer (`RequestBodyFuzzing`, selector
/// "headers"): the input's first line is the request target, each further line a header field.
/// They run the session cookie, `If-Match`, the bearer key's syntax, NUL refusal in queries,
/// `?limit=`, list cursors and the static-file path guard; each keeps the promise it states.
enum PortalHeaderFuzzing {
    static func problems(_ body: [UInt8]) -> [String] {
        let lines = String(decoding: body, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let target = "/" + (lines.first.map(String.init) ?? "")
        var headers = HTTPHeaders()
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.add(String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
        }
        let request = HTTPRequest(method: .patch, target: target, headers: headers, requestID: "fuzz")
        var problems: [String] = []

        if let token = AuthenticationMiddleware.cookie(AuthConfiguration.cookieName, in: headers), token.contains(";") {
            problems.append("session cookie \(token.debugDescription) runs into the next cookie")
        }
        _ = AuthenticationMiddleware.isSignIn(request)
        for version in [0, 3, Int.max] {
            do {
                try Versioning.check(request, current: version)
            } catch let error as HTTPError where error.status == .preconditionFailed {
                if headers["If-Match"]?.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == Versioning.etag(version) }) == true {
                    problems.append("If-Match \(headers["If-Match"] ?? "") names version \(version) but is refused")
                }
            } catch {
                problems.append("If-Match check failed with \(error)")
            }
        }
        do {
            try RequestStrings.refuseNUL(inQueryOf: request)
            if request.queryItems.contains(where: { $0.name.contains("\u{0}") || $0.value.contains("\u{0}") }) {
                problems.append("a query with a NUL passed")
            }
        } catch {}
        if let limit = try? UsersRoutes.limit(request), !(1...500).contains(limit) { problems.append("limit \(limit) passed") }
        if let text = request.cursor {
            _ = UserCursor(encoded: text)
            _ = NameCursor(encoded: text)
        }
        _ = NameCursor.likePattern(request.queryValue("q") ?? "")
        if let path = StaticFilesRoutes.safePath(request.path), path.split(separator: "/").contains(where: { $0 == ".." || $0.hasPrefix(".") }) {
            problems.append("static path \(path.debugDescription) leaves the public directory")
        }
        return problems
    }
}
