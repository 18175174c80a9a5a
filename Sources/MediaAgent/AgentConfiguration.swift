/// How a media agent is set up: where Asterisk's configuration lives, the shared secret, and
/// the commands that make Asterisk load a new tenant tree.
public struct AgentConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8090
    /// Asterisk's configuration folder (`/etc/asterisk`); tenant trees go under `tenants/`.
    public var configDirectory: String
    public var secret: [UInt8]
    /// Run in order after a swap; `{tenant}` is replaced by the tenant key. A non-zero exit,
    /// or running past `commandTimeout`, fails the apply and swaps the old tree back.
    public var reloadCommands: [[String]] = []
    public var commandTimeout: Double = 30
    /// Asterisk CLI commands run through the manager interface after the reload commands
    /// (`dialplan reload`, `module reload res_pjsip.so`, `voicemail reload`): the agent needs
    /// no `asterisk` binary beside it. Needs `ami`.
    public var amiReloadCommands: [String] = []
    /// Reload through the manager interface exactly the modules whose files changed (dial plan,
    /// PJSIP, app_queue, voicemail, music on hold), then hold Asterisk's own listings against
    /// the bundle: an apply is reported only when everything it declares is loaded and
    /// everything it dropped is gone; otherwise the old tree comes back. Needs `ami`.
    public var reloadAsterisk = false
    /// Asterisk's messages log: its WARNING and ERROR lines written during a failed reload are
    /// quoted in the failure the portal records.
    public var asteriskLog: String?
    /// Append the `#include tenants/*/…` lines to the main files if they are missing.
    public var installIncludes = true
    /// Where to read Asterisk's events (AMI) and where to report them; both needed to report.
    public var ami: AMISettings?
    public var portal: PortalSettings?
    /// The egress proxy for the dial plan's HTTP requests; nil runs none (the dial plan then
    /// makes no HTTP requests at all: it only calls out through the proxy).
    public var egress: EgressSettings?
    /// Where a bundle's body is spooled while it arrives (an unlinked temporary file).
    public var spoolDirectory: String?

    public struct PortalSettings: Sendable {
        public var url: String
        /// This node's ID in the portal (`/api/v1/media-nodes`).
        public var nodeID: String
        public init(url: String, nodeID: String) {
            self.url = url
            self.nodeID = nodeID
        }
    }

    public init(configDirectory: String, secret: [UInt8]) {
        self.configDirectory = configDirectory
        self.secret = secret
    }
}

/// Where and as whom to reach the Asterisk Manager Interface.
public struct AMISettings: Sendable {
    public var host: String
    public var port: Int
    public var username: String
    public var secret: String
    public init(host: String = "127.0.0.1", port: Int = 5038, username: String, secret: String) {
        self.host = host
        self.port = port
        self.username = username
        self.secret = secret
    }
}
