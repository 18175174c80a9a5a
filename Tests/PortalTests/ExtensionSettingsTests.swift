import Foundation
import HTTPServer
@testable import Portal
import Postgres
import Testing
import TestSupport

/// EXT-3 voicemail and EXT-4 recording settings.
@Suite struct ExtensionSettingsTests {
    struct Setup {
        var tenant: String
        var admin: APIClient
        var member: APIClient
        var memberExtension: String
        var otherExtension: String
    }

    func setup(_ portal: LivePortal, memberEmail: Bool) async throws -> Setup {
        let tenant = try await portal.createTenant()
        let adminUser = try await portal.createUser(tenant: tenant, role: "admin")
        let memberUser = try await portal.createUser(tenant: tenant, role: "member")
        if memberEmail {
            try await portal.owner.query("UPDATE users SET email = 'member@example.com' WHERE id = \(UUID(uuidString: memberUser.id)!)")
        }
        let admin = try portal.client()
        try await admin.signIn(adminUser.username)
        let member = try portal.client()
        try await member.signIn(memberUser.username)
        let base = "/api/v1/tenants/\(tenant)/extensions"
        let mine = try await admin.request("POST", base, json: #"{"ownerId":"\#(memberUser.id)","number":"1001"}"#).json([String: AnyDecodable].self)["id"]?.string
        let other = try await admin.request("POST", base, json: #"{"ownerId":"\#(adminUser.id)","number":"1002"}"#).json([String: AnyDecodable].self)["id"]?.string
        return Setup(tenant: tenant, admin: admin, member: member, memberExtension: try #require(mine), otherExtension: try #require(other))
    }

    @Test func ownersSetVoicemailWithAWriteOnlyPin() async throws {
        try await withLivePortal(label: "voicemail") { portal async throws in
            let s = try await setup(portal, memberEmail: true)
            let path = "/api/v1/tenants/\(s.tenant)/extensions/\(s.memberExtension)/voicemail"
            let defaults = try await s.member.request("GET", path).json(VoicemailSettings.self)
            #expect(defaults == VoicemailSettings())
            let saved = try await s.member.request("PUT", path, json: #"{"enabled":true,"deleteAfterDays":30,"notify":"attach","pin":"1234","answerAfterSeconds":15,"exitToExtension":"\#(s.otherExtension)","keepUnread":true}"#)
            #expect(saved.status == 200, "\(saved.bodyText)")
            let settings = try saved.json(VoicemailSettings.self)
            #expect(settings.enabled && settings.pinSet && settings.notify == "attach" && settings.exitToExtension == s.otherExtension && settings.version == 1)
            #expect(!saved.bodyText.contains("1234"))
            let keptPin = try await s.member.request("PUT", path, json: #"{"enabled":false,"deleteAfterDays":0,"notify":"none","answerAfterSeconds":20,"keepUnread":false}"#, headers: ["If-Match": "\"1\""])
            #expect(try keptPin.json(VoicemailSettings.self).pinSet, "absent pin keeps it")
            let stale = try await s.member.request("PUT", path, json: #"{"enabled":false,"deleteAfterDays":0,"notify":"none","answerAfterSeconds":20,"keepUnread":false}"#, headers: ["If-Match": "\"1\""])
            #expect(stale.status == 412)
            let cleared = try await s.member.request("PUT", path, json: #"{"enabled":false,"deleteAfterDays":0,"notify":"none","pin":null,"answerAfterSeconds":20,"keepUnread":false}"#)
            #expect(try cleared.json(VoicemailSettings.self).pinSet == false)
            let stored = try await portal.owner.query("SELECT pin FROM voicemail_settings").first?.decode(String?.self, "pin")
            #expect(stored == nil)
            let audit = try await portal.owner.query("SELECT after::text AS after FROM audit_log WHERE entity = 'voicemail' ORDER BY id").map { try $0.decode(String.self, "after") }
            #expect(audit.count == 3 && !audit.joined().contains("1234"))
        }
    }

    @Test func enablingVoicemailWithoutAPinGeneratesOneShownOnce() async throws {
        try await withLivePortal(label: "voicemail_pin") { portal async throws in
            let s = try await setup(portal, memberEmail: false)
            let path = "/api/v1/tenants/\(s.tenant)/extensions/\(s.memberExtension)/voicemail"
            let saved = try await s.member.request("PUT", path, json: #"{"enabled":true,"deleteAfterDays":0,"notify":"none","answerAfterSeconds":20,"keepUnread":false}"#)
            #expect(saved.status == 200, "\(saved.bodyText)")
            let settings = try saved.json(VoicemailSettings.self)
            let pin = try #require(settings.generatedPin)
            #expect(settings.pinSet && pin.count == 5 && pin.allSatisfy(\.isNumber))
            let stored = try await portal.owner.query("SELECT pin FROM voicemail_settings").first?.decode(String?.self, "pin")
            #expect(stored == pin)
            let read = try await s.member.request("GET", path)
            #expect(try read.json(VoicemailSettings.self).generatedPin == nil && !read.bodyText.contains(pin))
            // Removing the PIN of an enabled mailbox gives it a new one; a disabled one may have none.
            let cleared = try await s.member.request("PUT", path, json: #"{"enabled":true,"deleteAfterDays":0,"notify":"none","pin":null,"answerAfterSeconds":20,"keepUnread":false}"#)
            #expect(try cleared.json(VoicemailSettings.self).generatedPin != nil)
            let kept = try await s.member.request("PUT", path, json: #"{"enabled":true,"deleteAfterDays":0,"notify":"none","answerAfterSeconds":20,"keepUnread":false}"#)
            #expect(try kept.json(VoicemailSettings.self).generatedPin == nil)
        }
    }

    @Test func voicemailRulesAreEnforcedFieldByField() async throws {
        try await withLivePortal(label: "voicemail_invalid") { portal async throws in
            let s = try await setup(portal, memberEmail: false)
            let path = "/api/v1/tenants/\(s.tenant)/extensions/\(s.memberExtension)/voicemail"
            let bad = try await s.admin.request("PUT", path, json: #"{"enabled":"yes","deleteAfterDays":-1,"notify":"alert","pin":"123456","answerAfterSeconds":1,"exitToExtension":"\#(s.memberExtension)"}"#)
            #expect(bad.status == 422)
            let fields = Set(try bad.json(ProblemDetails.self).errors?.map(\.field) ?? [])
            #expect(fields == ["enabled", "deleteAfterDays", "notify", "pin", "answerAfterSeconds", "exitToExtension", "keepUnread"])
            let noEmail = try await s.admin.request("PUT", path, json: #"{"enabled":true,"deleteAfterDays":0,"notify":"alert","answerAfterSeconds":20,"keepUnread":false}"#)
            #expect(try noEmail.json(ProblemDetails.self).errors?.first?.message.contains("e-mail") == true)
        }
    }

    @Test func recordingSettingsAreReplacedWhole() async throws {
        try await withLivePortal(label: "recording") { portal async throws in
            let s = try await setup(portal, memberEmail: false)
            let path = "/api/v1/tenants/\(s.tenant)/extensions/\(s.memberExtension)/recording"
            #expect(try await s.member.request("GET", path).json(RecordingSettings.self) == RecordingSettings())
            let saved = try await s.member.request("PUT", path, json: #"{"enabled":true,"start":"onDemand","announce":true,"deleteAfterDays":90}"#)
            #expect(saved.status == 200)
            #expect(try saved.json(RecordingSettings.self) == RecordingSettings(enabled: true, start: "onDemand", announce: true, deleteAfterDays: 90, version: 1))
            let partial = try await s.member.request("PUT", path, json: #"{"enabled":true}"#)
            #expect(Set(try partial.json(ProblemDetails.self).errors?.map(\.field) ?? []) == ["start", "announce", "deleteAfterDays"])
            let bad = try await s.member.request("PUT", path, json: #"{"enabled":true,"start":"sometimes","announce":false,"deleteAfterDays":0,"extra":1}"#)
            #expect(try bad.json(ProblemDetails.self).errors?.first?.field == "extra")
        }
    }

    @Test func membersCannotTouchOtherPeoplesExtensions() async throws {
        try await withLivePortal(label: "settings_member") { portal async throws in
            let s = try await setup(portal, memberEmail: false)
            for block in ["voicemail", "recording"] {
                let path = "/api/v1/tenants/\(s.tenant)/extensions/\(s.otherExtension)/\(block)"
                #expect(try await s.member.request("GET", path).status == 403)
                #expect(try await s.member.request("PUT", path, json: #"{"enabled":false}"#).status == 403)
                #expect(try await s.admin.request("GET", path).status == 200)
            }
        }
    }
}
