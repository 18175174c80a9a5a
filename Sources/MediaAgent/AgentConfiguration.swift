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
    /// Append the `#include tenants/*/…` lines to the main files if they are missing.
    public var installIncludes = true

    public init(configDirectory: String, secret: [UInt8]) {
        self.configDirectory = configDirectory
        self.secret = secret
    }
}
