/// Outbound HTTP from a call (HTTP notifications, caller-name lookups) goes only through the
/// media agent's egress proxy, named by the node in the global `CENTRALITA_EGRESS_PROXY`: the
/// proxy checks every address after DNS, every redirect hop and the response size. A node
/// without that global makes no request at all (an empty proxy would mean a direct one).
extension RouteEmitter {
    static let egressGlobal = "${GLOBAL(CENTRALITA_EGRESS_PROXY)}"
    /// Redirects are followed by CURL itself, each hop a new request to the proxy.
    static let maximumRedirects = 3

    /// `variable` = the body `url` answers within `timeout` seconds (empty on failure); left
    /// as it was when the node has no egress proxy (callers start from an empty variable).
    mutating func emitRequest(into variable: AsteriskText, url: String, timeout: Int) {
        let skip = newLabel()
        add("GotoIf($[${LEN(\(unsafeRaw: Self.egressGlobal))} = 0]?\(unsafeRaw: skip))")
        add("Set(CURLOPT(proxy)=\(unsafeRaw: Self.egressGlobal))")
        add("Set(CURLOPT(followlocation)=1)")
        add("Set(CURLOPT(maxredirs)=\(Self.maximumRedirects))")
        add("Set(CURLOPT(httptimeout)=\(timeout))")
        add("Set(\(variable)=${CURL(\(Self.url(url)))})")
        label(skip)
    }
}
