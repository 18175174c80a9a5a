import Foundation

/// A user as the API shows it (never the password hash).
/// IDs are lowercase strings, as the database prints them (Foundation would upper-case a UUID).
struct UserView: Codable, Sendable, Equatable {
    var id: String
    var tenantId: String?
    var username: String
    var role: String
    var firstName: String
    var lastName: String
    var phone: String?
    var email: String?
    var address: String?
    var city: String?
    var postalCode: String?
    var country: String?
    var region: String?
    var timezone: String?
    var language: String
    var phoneLanguage: String
    var version: Int
    var createdAt: Date
    var updatedAt: Date
}

/// What goes with a user when it is deleted, for the confirmation a person sees first.
struct UserDependents: Codable, Sendable, Equatable {
    /// Internal numbers of the user's extensions, removed with them.
    var extensions: [String]
    /// Open browser sessions, ended at once.
    var sessions: Int
    /// Voicemail, recordings, sounds and hold music stored for the user, in bytes.
    var storedBytes: Int
}
