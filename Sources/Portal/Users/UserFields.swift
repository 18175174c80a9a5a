import Foundation
import Telephony

/// The editable fields of a user and their rules (USR-3), shared by create and update.
struct UserFields: Sendable, Equatable, Codable {
    var firstName: String = ""
    var lastName: String = ""
    var username: String = ""
    var role: String = "member"
    var phone: String?
    var email: String?
    var address: String?
    var city: String?
    var postalCode: String?
    var country: String?
    var region: String?
    var timezone: String?
    var language: String = "es"
    var phoneLanguage: String = "es"

    static let phoneLanguages: Set<String> = ["es", "en", "ca", "eu", "gl", "pt", "fr", "de", "it"]

    /// Usernames are unique on the platform and typed at sign-in: plain characters only.
    static func usernameProblem(_ username: String) -> String? {
        username.range(of: "^[A-Za-z0-9._@-]{3,64}$", options: .regularExpression) == nil
            ? "must be 3 to 64 letters, digits or . _ @ -" : nil
    }

    /// Adds a message for every field that breaks its rule.
    func validate(into errors: inout FieldErrors) {
        if firstName.trimmingCharacters(in: .whitespaces).isEmpty || firstName.count > 100 { errors.add("firstName", "must have 1 to 100 characters") }
        if lastName.count > 100 { errors.add("lastName", "must have at most 100 characters") }
        // Names end up in phones' caller IDs, queue member names and mailboxes.
        for (field, value) in [("firstName", firstName), ("lastName", lastName)] {
            if let problem = TextSink.displayProblem(value) { errors.add(field, problem) }
        }
        if let problem = Self.usernameProblem(username) { errors.add("username", problem) }
        if !["admin", "member"].contains(role) { errors.add("role", "must be admin or member") }
        if let phone, phone.range(of: #"^\+?[0-9][0-9 ()-]{2,24}$"#, options: .regularExpression) == nil {
            errors.add("phone", "must be a phone number (digits, spaces, + ( ) -)")
        }
        if let email, email.count > 254 || email.range(of: #"^[^@\s]+@[^@\s]+\.[^@\s]+$"#, options: .regularExpression) == nil {
            errors.add("email", "must be an e-mail address")
        } else if let email, !TextSink.email.admits(email) {
            // Voicemail notifications go to it from the media node's voicemail.conf.
            errors.add("email", "must be an e-mail address of letters, digits and . _ % + - @")
        }
        for (field, value, limit) in [("address", address, 200), ("city", city, 100), ("postalCode", postalCode, 20),
                                      ("country", country, 100), ("region", region, 100)] {
            if let value, value.count > limit { errors.add(field, "must have at most \(limit) characters") }
        }
        if let timezone, TimeZone(identifier: timezone) == nil { errors.add("timezone", "must be an IANA time zone such as Europe/Madrid") }
        if !["es", "en"].contains(language) { errors.add("language", "must be es or en") }
        if !Self.phoneLanguages.contains(phoneLanguage) {
            errors.add("phoneLanguage", "must be one of \(Self.phoneLanguages.sorted().joined(separator: ", "))")
        }
    }

    init() {}

    /// From a create request: `firstName`, `username` and `role` are required, the rest
    /// optional (`phoneLanguage` defaults to `language`).
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        firstName = try c.decode(String.self, forKey: .firstName)
        lastName = try c.decodeIfPresent(String.self, forKey: .lastName) ?? ""
        username = try c.decode(String.self, forKey: .username)
        role = try c.decode(String.self, forKey: .role)
        phone = try c.decodeIfPresent(String.self, forKey: .phone)
        email = try c.decodeIfPresent(String.self, forKey: .email)
        address = try c.decodeIfPresent(String.self, forKey: .address)
        city = try c.decodeIfPresent(String.self, forKey: .city)
        postalCode = try c.decodeIfPresent(String.self, forKey: .postalCode)
        country = try c.decodeIfPresent(String.self, forKey: .country)
        region = try c.decodeIfPresent(String.self, forKey: .region)
        timezone = try c.decodeIfPresent(String.self, forKey: .timezone)
        language = try c.decodeIfPresent(String.self, forKey: .language) ?? "es"
        phoneLanguage = try c.decodeIfPresent(String.self, forKey: .phoneLanguage) ?? language
    }

    private enum CodingKeys: String, CodingKey {
        case firstName, lastName, username, role, phone, email, address, city, postalCode, country, region, timezone, language, phoneLanguage
    }

    /// The fields as the audit log keeps them.
    var auditValues: [String: AuditValue] {
        func v(_ s: String?) -> AuditValue { s.map(AuditValue.string) ?? .null }
        return ["firstName": .string(firstName), "lastName": .string(lastName), "username": .string(username), "role": .string(role),
                "phone": v(phone), "email": v(email), "address": v(address), "city": v(city), "postalCode": v(postalCode),
                "country": v(country), "region": v(region), "timezone": v(timezone), "language": .string(language),
                "phoneLanguage": .string(phoneLanguage)]
    }

    /// Only the entries that differ, for update audit rows.
    static func changes(from before: UserFields, to after: UserFields) -> (before: [String: AuditValue], after: [String: AuditValue]) {
        let old = before.auditValues, new = after.auditValues
        let keys = new.keys.filter { old[$0] != new[$0] }
        return (old.filter { keys.contains($0.key) }, new.filter { keys.contains($0.key) })
    }
}
