import Foundation
import HTTPServer

/// Serves the browser app from `Public/` and its strings from `Resources/locales/`.
///
/// Cache busting without a build step: the app's files are addressed as `/v/<version>/…`,
/// where the version is a digest of every file at start-up, and served as immutable; the
/// modules import each other relatively, so the whole app moves to a new version together.
/// `index.html` (any path that is not a file, so the app's own routes survive a reload) is
/// rendered with that version and never cached; it names every module up front
/// (`modulepreload`), so the browser fetches them in parallel instead of discovering them one
/// import level at a time. Every answer carries a strict Content-Security-Policy: no inline
/// script or style, nothing from elsewhere.
struct StaticFilesRoutes: RouteCollection {
    let publicDirectory: String
    let resourcesDirectory: String

    static let contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    func register(on routes: RouteGroup) {
        let version = Self.version(of: [publicDirectory, resourcesDirectory + "/locales"])
        let preloads = Self.modulePreloads(publicDirectory + "/js", version: version)
        routes.get("/api/openapi.yaml") { request in
            try await FileResponse.serve(path: resourcesDirectory + "/openapi.yaml", request: request,
                                         contentType: "application/yaml; charset=utf-8", cacheControl: "no-cache")
        }
        routes.get("/v/{version}/{path...}") { request in
            guard let file = StaticFilesRoutes.safePath(request.parameters["path"] ?? ""), !file.isEmpty else {
                throw HTTPError(.notFound, detail: "There is nothing at this path.")
            }
            let current = try request.parameter("version") == version
            let path = file.hasPrefix("locales/") ? resourcesDirectory + "/" + file : publicDirectory + "/" + file
            return Self.secured(try await FileResponse.serve(path: path, request: request,
                                                             cacheControl: current ? "public, max-age=31536000, immutable" : "no-cache"))
        }
        routes.get("/{path...}") { request in
            let relative = request.parameters["path"] ?? ""
            guard let file = StaticFilesRoutes.safePath(relative) else {
                throw HTTPError(.notFound, detail: "There is nothing at this path.")
            }
            // The API's namespace never falls back to the app: a typo in a path is a 404 problem.
            if file == "api" || file.hasPrefix("api/") || file == "internal" || file.hasPrefix("internal/") {
                throw HTTPError(.notFound, detail: "There is no API endpoint at this path.")
            }
            let candidate = publicDirectory + "/" + file
            var isDirectory: ObjCBool = false
            if !file.isEmpty, file != "index.html", FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue {
                return Self.secured(try await FileResponse.serve(path: candidate, request: request, cacheControl: "no-cache"))
            }
            // Paths that look like files (with an extension) and do not exist are real 404s.
            if file.split(separator: "/").last?.contains(".") == true, file != "index.html" {
                throw HTTPError(.notFound, detail: "There is nothing at this path.")
            }
            return try index(version: version, preloads: preloads)
        }
    }

    /// `index.html` with `{{version}}` and `{{preload}}` filled in.
    func index(version: String, preloads: String) throws -> HTTPResponse {
        guard let data = FileManager.default.contents(atPath: publicDirectory + "/index.html") else {
            throw HTTPError(.notFound, detail: "The app is not installed.")
        }
        let html = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "{{preload}}", with: preloads)
            .replacingOccurrences(of: "{{version}}", with: version)
        return Self.secured(HTTPResponse(status: .ok, headers: ["Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache"],
                                         body: .bytes(Array(html.utf8))))
    }

    static func secured(_ response: HTTPResponse) -> HTTPResponse {
        var r = response
        r.headers["Content-Security-Policy"] = contentSecurityPolicy
        r.headers["X-Content-Type-Options"] = "nosniff"
        r.headers["Referrer-Policy"] = "same-origin"
        return r
    }

    /// A `<link rel="modulepreload">` line for every module below `directory` (`js/…`).
    static func modulePreloads(_ directory: String, version: String) -> String {
        let files = (FileManager.default.enumerator(atPath: directory)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".js") }.sorted()
        return files.map { #"<link rel="modulepreload" href="/v/\#(version)/js/\#($0)">"# }.joined(separator: "\n  ")
    }

    /// A short digest of every file below the directories (names and contents).
    static func version(of directories: [String]) -> String {
        var text = ""
        for directory in directories {
            let files = (FileManager.default.enumerator(atPath: directory)?.allObjects as? [String] ?? []).sorted()
            for file in files {
                guard let data = FileManager.default.contents(atPath: directory + "/" + file) else { continue }
                text += file + "\n" + Secrets.sha256Hex(data) + "\n"
            }
        }
        return String(Secrets.sha256Hex(Data(text.utf8)).prefix(12))
    }

    /// The path below the public directory, or nil when it tries to leave it or names a
    /// hidden file.
    static func safePath(_ path: String) -> String? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard !parts.contains(where: { $0 == ".." || $0.hasPrefix(".") || $0.contains("\0") }) else { return nil }
        return parts.joined(separator: "/")
    }
}
