/// The password rules: at least 10 characters and not the username.
enum PasswordPolicy {
    static let minimumLength = 10

    /// Why `password` is refused, or nil when it is acceptable.
    static func problem(_ password: String, username: String) -> String? {
        if password.count < minimumLength { return "must have at least \(minimumLength) characters" }
        if password.lowercased() == username.lowercased() { return "must not be the username" }
        return nil
    }
}
