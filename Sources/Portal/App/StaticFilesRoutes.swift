import Foundation
import HTTPServer

/// Serves the browser app from `Public/` (any path that is not a file gets `index.html`, so
/// the app's own routes survive a reload) and the API description from `Resources/`.
struct StaticFilesRoutes: RouteCollection {
    let publicDirectory: String
    let resourcesDirectory: String

    func register(on routes: RouteGroup) {
        routes.get("/api/openapi.yaml") { request in
            try await FileResponse.serve(path: resourcesDirectory + "/openapi.yaml", request: request,
                                         contentType: "application/yaml; charset=utf-8", cacheControl: "no-cache")
        }
        routes.get("/{path...}") { request in
            let relative = request.parameters["path"] ?? ""
            guard let file = StaticFilesRoutes.safePath(relative) else {
                throw HTTPError(.notFound, detail: "There is nothing at this path.")
            }
            let candidate = publicDirectory + "/" + file
            var isDirectory: ObjCBool = false
            if !file.isEmpty, FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue {
                return try await FileResponse.serve(path: candidate, request: request, cacheControl: "no-cache")
            }
            // Paths that look like files (with an extension) and do not exist are real 404s.
            if file.split(separator: "/").last?.contains(".") == true {
                throw HTTPError(.notFound, detail: "There is nothing at this path.")
            }
            return try await FileResponse.serve(path: publicDirectory + "/index.html", request: request, cacheControl: "no-cache")
        }
    }

    /// The path below the public directory, or nil when it tries to leave it or names a
    /// hidden file.
    static func safePath(_ path: String) -> String? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard !parts.contains(where: { $0 == ".." || $0.hasPrefix(".") || $0.contains("\0") }) else { return nil }
        return parts.joined(separator: "/")
    }
}

