/// Every size limit the request parser enforces, in one place.
///
/// The defaults follow common practice for public servers: a request line of at most 8 KiB
/// (longer → 414), a header section of at most 16 KiB and 100 fields (more → 431), and a body
/// that routes may raise or lower individually (more → 413).
public struct HTTPParserLimits: Sendable, Equatable {
    /// Longest request line, method to version, without CRLF. Longer → 414.
    public var maxRequestLineBytes: Int = 8 * 1024
    /// Largest header section (all field lines and trailers, with their CRLFs). Larger → 431.
    public var maxHeaderBytes: Int = 16 * 1024
    /// Most header fields (trailer fields count too). More → 431.
    public var maxHeaderCount: Int = 100
    /// Body limit for routes that do not set their own. Larger → 413.
    public var defaultMaxBodyBytes: Int = 1024 * 1024
    /// Longest chunk-size line, extensions included. Longer → 400.
    public var maxChunkLineBytes: Int = 4096

    public init() {}
}
