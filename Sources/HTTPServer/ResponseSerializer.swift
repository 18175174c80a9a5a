/// Turns a response head into bytes, adding the headers the server owns.
enum ResponseSerializer {
    enum Framing {
        case length(Int)
        case chunked
        /// HTTP/1.0 stream of unknown length: the end of the body is the end of the connection.
        case untilClose
        /// 1xx, 204 and 304 carry no body and no length.
        case none
    }

    static func head(
        _ response: HTTPResponse, version: HTTPVersion, framing: Framing, requestID: String,
        serverName: String, close: Bool
    ) -> [UInt8] {
        var out = ""
        out.reserveCapacity(256)
        out += "HTTP/1.1 "
        out += String(response.status.code)
        out += " "
        out += response.status.reason
        out += "\r\n"
        for field in response.headers.fields {
            if field.name.asciiCaseInsensitiveEquals("Content-Length") || field.name.asciiCaseInsensitiveEquals("Transfer-Encoding")
                || field.name.asciiCaseInsensitiveEquals("Connection") {
                continue
            }
            out += field.name
            out += ": "
            out += field.value
            out += "\r\n"
        }
        out += "Date: "
        out += HTTPDate.now()
        out += "\r\nServer: "
        out += serverName
        out += "\r\nX-Request-Id: "
        out += requestID
        out += "\r\n"
        switch framing {
        case .length(let n):
            out += "Content-Length: "
            out += String(n)
            out += "\r\n"
        case .chunked:
            out += "Transfer-Encoding: chunked\r\n"
        case .untilClose, .none:
            break
        }
        if close {
            out += "Connection: close\r\n"
        } else if version == .http1_0 {
            out += "Connection: keep-alive\r\n"
        }
        out += "\r\n"
        return Array(out.utf8)
    }

    /// Whether a response with this status may carry a body at all.
    static func allowsBody(_ status: HTTPStatus) -> Bool {
        !(status.code < 200 || status.code == 204 || status.code == 304)
    }

    static func chunk(_ bytes: [UInt8]) -> [UInt8] {
        var out = Array(String(bytes.count, radix: 16).utf8)
        out.reserveCapacity(out.count + bytes.count + 4)
        out.append(13); out.append(10)
        out.append(contentsOf: bytes)
        out.append(13); out.append(10)
        return out
    }

    static let lastChunk: [UInt8] = Array("0\r\n\r\n".utf8)
    static let continueResponse: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
}
