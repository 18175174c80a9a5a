/// An RFC 9457 problem document, the body of every error response.
public struct ProblemDetails: Codable, Sendable, Equatable {
    public struct FieldError: Codable, Sendable, Equatable {
        public var field: String
        public var message: String
        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    public var type: String
    public var title: String
    public var status: Int
    public var detail: String
    public var errors: [FieldError]?
    public var requestId: String?

    public init(type: String, title: String, status: Int, detail: String, errors: [FieldError]? = nil, requestId: String? = nil) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
        self.errors = errors
        self.requestId = requestId
    }
}

/// An error that knows how it should be answered. Anything else thrown by a handler becomes a
/// 500 whose body reveals nothing but the request ID.
public protocol HTTPResponseError: Error {
    var status: HTTPStatus { get }
    /// The last path segment of the problem `type` URI, e.g. `validation`.
    var problemType: String { get }
    var detail: String { get }
    var fieldErrors: [ProblemDetails.FieldError] { get }
    /// Extra headers such as `Allow` or `Retry-After`.
    var headers: HTTPHeaders { get }
}

extension HTTPResponseError {
    public var fieldErrors: [ProblemDetails.FieldError] { [] }
    public var headers: HTTPHeaders { [:] }
    public var problemType: String { HTTPError.defaultProblemType(for: status) }
}

/// The general-purpose error for handlers: a status, a sentence, and optional field errors.
public struct HTTPError: HTTPResponseError, CustomStringConvertible {
    public var status: HTTPStatus
    public var problemType: String
    public var detail: String
    public var fieldErrors: [ProblemDetails.FieldError]
    public var headers: HTTPHeaders

    public init(_ status: HTTPStatus, type: String? = nil, detail: String? = nil,
                errors: [ProblemDetails.FieldError] = [], headers: HTTPHeaders = [:]) {
        self.status = status
        self.problemType = type ?? HTTPError.defaultProblemType(for: status)
        self.detail = detail ?? status.reason
        self.fieldErrors = errors
        self.headers = headers
    }

    public var description: String { "\(status.code) \(problemType): \(detail)" }

    /// One validation error naming a field.
    public static func validation(field: String, _ message: String) -> HTTPError {
        HTTPError(.unprocessableContent, detail: "The request has invalid fields.", errors: [.init(field: field, message: message)])
    }

    public static func defaultProblemType(for status: HTTPStatus) -> String {
        switch status.code {
        case 400: "malformed-request"
        case 401: "unauthenticated"
        case 403: "forbidden"
        case 404: "not-found"
        case 405: "method-not-allowed"
        case 408: "request-timeout"
        case 409: "conflict"
        case 412: "precondition-failed"
        case 413: "content-too-large"
        case 414: "uri-too-long"
        case 415: "unsupported-media-type"
        case 416: "range-not-satisfiable"
        case 417: "expectation-failed"
        case 422: "validation"
        case 429: "throttled"
        case 431: "header-fields-too-large"
        case 501: "not-implemented"
        case 503: "unavailable"
        case 505: "http-version-not-supported"
        default: status.code >= 500 ? "internal" : "error"
        }
    }
}

extension HTTPParseError: HTTPResponseError {
    public var problemType: String { HTTPError.defaultProblemType(for: status) }
}

/// Renders errors as `application/problem+json`.
public struct ProblemRenderer: Sendable {
    /// Prefix of every problem `type` URI.
    public var typeBase: String

    public init(typeBase: String = "https://centralita.dev/problems/") {
        self.typeBase = typeBase
    }

    public func response(for error: any HTTPResponseError, requestID: String) -> HTTPResponse {
        let problem = ProblemDetails(
            type: typeBase + error.problemType, title: error.status.reason, status: error.status.code,
            detail: error.detail, errors: error.fieldErrors.isEmpty ? nil : error.fieldErrors, requestId: requestID)
        var headers = error.headers
        headers["Content-Type"] = "application/problem+json"
        let body = (try? JSONCoding.encode(problem)) ?? Array(#"{"status":500}"#.utf8)
        return HTTPResponse(status: error.status, headers: headers, body: .bytes(body))
    }

    /// A 500 that says nothing about the failure beyond the request ID to quote.
    public func internalError(requestID: String) -> HTTPResponse {
        response(for: HTTPError(.internalServerError, detail: "The server failed to answer; quote request ID \(requestID) when reporting it."), requestID: requestID)
    }
}
