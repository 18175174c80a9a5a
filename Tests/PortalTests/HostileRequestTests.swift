import Foundation
import MediaProtocol
import HTTPServer
@testable import Portal
import Postgres
import PropertyTesting
import Testing
import TestSupport

/// Requests a hostile tenant member or integrator sends: none may crash the portal, end in a
/// 500, or be stored other than as sent.
@Suite struct HostileRequestTests {
    struct Created: Decodable { var id: String }
    struct Problem: Decodable {
        struct FieldError: Decodable { var field: String }
        var status: Int
        var errors: [FieldError]?
    }

    func signedInAdmin(_ portal: LivePortal) async throws -> (tenant: String, admin: APIClient, userID: String) {
        let tenant = try await portal.createTenant()
        let user = try await portal.createUser(tenant: tenant, role: "admin")
        let admin = try portal.client()
        try await admin.signIn(user.username)
        return (tenant, admin, user.id)
    }

    @Test func aNulInAnyStringIs422NamingTheFieldOnEveryResource() async throws {
        try await withLivePortal(label: "nul_strings") { portal async throws in
            let (tenant, admin, userID) = try await signedInAdmin(portal)
            let t = "/api/v1/tenants/\(tenant)"
            let nul = #"abc\u0000def"#
            let ivr = try await admin.request("POST", "\(t)/extensions", json: #"{"kind":"ivr","number":"3999"}"#).json(Created.self).id
            let cases: [(method: String, path: String, body: String, field: String)] = [
                ("POST", "\(t)/extensions", #"{"number":"1001","ownerId":"\#(userID)","name":"\#(nul)"}"#, "name"),
                ("POST", "\(t)/intervals", #"{"name":"\#(nul)","startTime":"09:00","endTime":"18:00"}"#, "name"),
                ("POST", "\(t)/users", #"{"firstName":"\#(nul)","lastName":"B","username":"nul.user","password":"correct horse battery","passwordConfirmation":"correct horse battery","role":"member"}"#, "firstName"),
                ("POST", "\(t)/call-flows", #"{"name":"\#(nul)","actions":[{"type":"hangup"}]}"#, "name"),
                ("POST", "\(t)/call-flows", #"{"name":"Flow","actions":[{"type":"play","soundId":"\#(nul)"}]}"#, "actions[0].soundId"),
                ("POST", "\(t)/ivrs/\(ivr)/contexts", #"{"name":"\#(nul)"}"#, "name"),
                ("POST", "\(t)/api-keys", #"{"name":"\#(nul)","role":"member"}"#, "name"),
                ("POST", "\(t)/extension-groups", #"{"name":"\#(nul)","extensionIds":[]}"#, "name"),
                ("POST", "\(t)/queues", #"{"name":"\#(nul)","number":"2000"}"#, "name"),
                ("PATCH", "\(t)/users/\(userID)", #"{"city":"\#(nul)"}"#, "city"),
                ("PATCH", "/api/v1/me", #"{"city":"\#(nul)"}"#, "city"),
                ("POST", "\(t)/simulate", #"{"to":"\#(nul)","at":"2026-11-24T10:00:00Z"}"#, "to"),
            ]
            for c in cases {
                let response = try await admin.request(c.method, c.path, json: c.body)
                #expect(response.status == 422, "\(c.method) \(c.path): \(response.bodyText)")
                let problem = try? response.json(Problem.self)
                #expect(problem?.errors?.map(\.field) == [c.field], "\(c.method) \(c.path): \(response.bodyText)")
            }
            let query = try await admin.request("GET", "\(t)/extensions?q=abc%00def")
            #expect(query.status == 422 && query.bodyText.contains("\"q\""), "\(query.bodyText)")
            #expect(try await admin.request("GET", "\(t)/users/abc%00def").status == 404)
        }
    }

    @Test func aCascadeStepOfTheLargestIntegerIs422NotACrash() async throws {
        try await withLivePortal(label: "cascade_overflow") { portal async throws in
            let (tenant, admin, userID) = try await signedInAdmin(portal)
            let t = "/api/v1/tenants/\(tenant)"
            let ext = try await admin.request("POST", "\(t)/extensions", json: #"{"number":"1001","ownerId":"\#(userID)"}"#).json(Created.self).id
            let rule = try await admin.request("POST", "\(t)/extensions/\(ext)/rules", json: #"{"kind":"cascade","totalSeconds":30,"steps":[{"destination":{"type":"extension","id":"\#(ext)"},"afterSeconds":0},{"destination":{"type":"extension","id":"\#(ext)"},"afterSeconds":9223372036854775807}]}"#)
            #expect(rule.status == 422, "\(rule.bodyText)")
            #expect(rule.bodyText.contains("steps[1].afterSeconds"))
            #expect(try await admin.request("GET", "/healthz").status == 200, "the portal is still up")
        }
    }

    @Test func randomBodiesNeverGetA500() async throws {
        try await withLivePortal(label: "random_bodies") { portal async throws in
            let (tenant, admin, userID) = try await signedInAdmin(portal)
            let t = "/api/v1/tenants/\(tenant)"
            let ext = try await admin.request("POST", "\(t)/extensions", json: #"{"number":"1001","ownerId":"\#(userID)"}"#).json(Created.self).id
            let ivr = try await admin.request("POST", "\(t)/extensions", json: #"{"kind":"ivr","number":"3999"}"#).json(Created.self).id
            let keys = ["name", "number", "kind", "type", "id", "steps", "afterSeconds", "totalSeconds", "startTime", "endTime", "actions",
                        "destination", "url", "timeoutSeconds", "branches", "firstName", "role", "maxWaiting", "extensionIds", "to", "at", "actions",
                        "enabled", "pin", "ids", "email", "city", "entry", "algorithm", "months", "startDay", "retrySeconds", "strategy",
                        "external", "cascade", "httpNotification", "ownerId", "\(userID)", "\(ext)", "09:00", "+34910000000"]
            let targets = ["\(t)/extensions", "\(t)/intervals", "\(t)/extensions/\(ext)/rules", "\(t)/queues", "\(t)/call-flows",
                           "\(t)/ivrs/\(ivr)/contexts", "\(t)/extension-groups", "\(t)/simulate", "\(t)/users", "\(t)/numbers",
                           "\(t)/api-keys", "\(t)/intervals/delete"]
            // Whole replacements and merge patches of existing resources go through the other decoders.
            let interval = try await admin.request("POST", "\(t)/intervals", json: #"{"name":"Hours","startTime":"09:00","endTime":"18:00"}"#).json(Created.self).id
            let rule = try await admin.request("POST", "\(t)/extensions/\(ext)/rules", json: #"{"kind":"hangup"}"#).json(Created.self).id
            let queue = try await admin.request("POST", "\(t)/queues", json: #"{"name":"Support","number":"2000"}"#).json(Created.self).id
            let flow = try await admin.request("POST", "\(t)/call-flows", json: #"{"name":"Night","actions":[{"type":"hangup"}]}"#).json(Created.self).id
            let context = try await admin.request("POST", "\(t)/ivrs/\(ivr)/contexts", json: #"{"name":"Main"}"#).json(Created.self).id
            let replacements: [(String, String)] = [
                ("PATCH", "\(t)/intervals/\(interval)"), ("PATCH", "\(t)/extensions/\(ext)/rules/\(rule)"), ("PATCH", "\(t)/queues/\(queue)"),
                ("PATCH", "\(t)/call-flows/\(flow)"), ("PATCH", "\(t)/ivrs/\(ivr)/contexts/\(context)"),
                ("PUT", "\(t)/ivrs/\(ivr)/contexts/\(context)/options/start"), ("PUT", "\(t)/extensions/\(ext)/voicemail"),
                ("PUT", "\(t)/extensions/\(ext)/recording"), ("PATCH", "\(t)/users/\(userID)"), ("PATCH", "/api/v1/me"),
                ("PUT", "\(t)/extensions/\(ext)/rules/order"), ("PATCH", "\(t)/extensions/\(ext)"),
            ]
            var failures: [String] = []
            var client = admin
            var g = SeededGenerator(seed: 14)
            for i in 0..<480 {
                let (method, path) = i % 2 == 0 ? replacements[(i / 2) % replacements.count] : ("POST", targets[(i / 2) % targets.count])
                let body = Arbitrary.json(&g, depth: 4, keys: keys)
                let response: RawResponse
                do {
                    response = try await client.request(method, path, json: body)
                } catch {
                    failures.append("\(i) \(path) \(body) → \(error)")
                    break
                }
                if response.headers["Connection"] == "close" {
                    // 413 for the long strings: carry on over a new connection with the same session.
                    let next = try portal.client()
                    (next.cookie, next.csrfToken) = (client.cookie, client.csrfToken)
                    client = next
                }
                if response.status >= 500 { failures.append("\(path) \(body) → \(response.status) \(response.bodyText)") }
            }
            #expect(failures.isEmpty, "\(failures.prefix(5))")
        }
    }

    @Test func outboundAddressesToInternalHostsAre422NamingTheField() async throws {
        try await withLivePortal(label: "ssrf") { portal async throws in
            let (tenant, admin, _) = try await signedInAdmin(portal)
            let t = "/api/v1/tenants/\(tenant)"
            for url in ["http://127.0.0.1:8090/{number}", "http://169.254.169.254/{number}", "http://localhost:5432/{number}",
                        "http://0x7f000001/{number}", "http://2130706433/{number}", "http://user@127.0.0.1/{number}", "http://10.1.2.3/{number}"] {
                let flow = try await admin.request("POST", "\(t)/call-flows", json: #"{"name":"Lookup","actions":[{"type":"lookupName","url":"\#(url)","timeoutSeconds":2},{"type":"hangup"}]}"#)
                #expect(flow.status == 422, "\(url): \(flow.bodyText)")
                #expect(flow.bodyText.contains("actions[0].url"), "\(url): \(flow.bodyText)")
                let hook = try await admin.request("POST", "\(t)/call-flows", json: #"{"name":"Hook","actions":[{"type":"httpNotification","url":"\#(url)","timeoutSeconds":2},{"type":"hangup"}]}"#)
                #expect(hook.status == 422 && hook.bodyText.contains("actions[0].url"), "\(url): \(hook.bodyText)")
            }
            let fine = try await admin.request("POST", "\(t)/call-flows", json: #"{"name":"Lookup","actions":[{"type":"lookupName","url":"https://crm.example.com/n?{number}","timeoutSeconds":2},{"type":"hangup"}]}"#)
            #expect(fine.status == 201, "\(fine.bodyText)")
        }
    }

    /// `json` with one value (anywhere in it) swapped for a hostile one: the shape stays valid,
    /// so the request reaches the validators rather than the decoder's type checks.
    static func mutate(_ json: String, _ g: inout SeededGenerator) -> String {
        guard let root = try? JSONSerialization.jsonObject(with: Data(json.utf8)) else { return json }
        var paths: [[Any]] = []
        func collect(_ value: Any, _ path: [Any]) {
            paths.append(path)
            if let object = value as? [String: Any] { for (k, v) in object { collect(v, path + [k]) } }
            if let array = value as? [Any] { for (i, v) in array.enumerated() { collect(v, path + [i]) } }
        }
        collect(root, [])
        let hostile: [Any] = [Int.max, Int.min, -1, 0, 1_000_000_000, 1e300, "", "\u{0}", String(repeating: "9", count: 400), [Any](),
                              [String: Any](), NSNull(), true, "http://127.0.0.1:8090/{number}", "+", "24:00", "0000-00-00",
                              Array(repeating: ["type": "hangup"], count: 60), "00000000-0000-0000-0000-000000000000"]
        func replace(_ value: Any, _ path: ArraySlice<Any>, with new: Any) -> Any {
            guard let first = path.first else { return new }
            if var object = value as? [String: Any], let key = first as? String {
                object[key] = replace(object[key] ?? NSNull(), path.dropFirst(), with: new)
                return object
            }
            if var array = value as? [Any], let index = first as? Int, array.indices.contains(index) {
                array[index] = replace(array[index], path.dropFirst(), with: new)
                return array
            }
            return value
        }
        let path = Arbitrary.element(paths.filter { !$0.isEmpty }.isEmpty ? paths : paths.filter { !$0.isEmpty }, &g)
        let mutated = replace(root, path[...], with: Arbitrary.element(hostile, &g))
        guard let data = try? JSONSerialization.data(withJSONObject: mutated, options: [.fragmentsAllowed]) else { return json }
        return String(decoding: data, as: UTF8.self)
    }

    @Test func validBodiesWithOneHostileValueNeverGetA500() async throws {
        try await withLivePortal(label: "mutated_bodies") { portal async throws in
            let (tenant, admin, userID) = try await signedInAdmin(portal)
            let t = "/api/v1/tenants/\(tenant)"
            let ext = try await admin.request("POST", "\(t)/extensions", json: #"{"number":"1001","ownerId":"\#(userID)"}"#).json(Created.self).id
            let ivr = try await admin.request("POST", "\(t)/extensions", json: #"{"kind":"ivr","number":"3999"}"#).json(Created.self).id
            let interval = try await admin.request("POST", "\(t)/intervals", json: #"{"name":"Hours","startTime":"09:00","endTime":"18:00"}"#).json(Created.self).id
            let context = try await admin.request("POST", "\(t)/ivrs/\(ivr)/contexts", json: #"{"name":"Main"}"#).json(Created.self).id
            let dest = #"{"type":"extension","id":"\#(ext)"}"#
            let templates: [(String, String, String)] = [
                ("POST", "\(t)/extensions/\(ext)/rules", #"{"kind":"cascade","totalSeconds":30,"intervalId":"\#(interval)","keypadCode":3,"callerId":{"match":"equals","number":"+34911111111"},"steps":[{"destination":\#(dest),"afterSeconds":0},{"destination":{"type":"external","number":"+34600000000"},"afterSeconds":10}]}"#),
                ("POST", "\(t)/extensions/\(ext)/rules", #"{"kind":"transfer","destination":\#(dest),"extensionState":"any","callState":"busy"}"#),
                ("POST", "\(t)/extensions/\(ext)/rules", #"{"kind":"identify","password":"1234","destination":\#(dest)}"#),
                ("POST", "\(t)/intervals", #"{"name":"Span","algorithm":"continuous","timezone":"Europe/Madrid","startTime":"22:00","endTime":"06:00","startWeekday":"friday","endWeekday":"monday","startDay":25,"endDay":5,"months":[1,12],"startDate":"2026-12-24","endDate":"2026-12-26"}"#),
                ("POST", "\(t)/queues", #"{"name":"Support","number":"2000","strategy":"ringAll","maxWaiting":5,"retrySeconds":5,"serviceLevelSeconds":60,"maxWaitSeconds":60,"timeoutDestination":\#(dest),"announcement":{"soundId":"system:queue-periodic","everySeconds":30}}"#),
                ("PUT", "\(t)/ivrs/\(ivr)/contexts/\(context)/options/start", #"{"actions":[{"type":"play","soundId":"system:welcome"},{"type":"timeRouting","intervalId":"\#(interval)","then":[{"type":"lookupName","url":"https://crm.example.com/{number}","timeoutSeconds":2}],"else":[{"type":"callerNumber","prefix":"9"}]},{"type":"httpNotification","url":"https://crm.example.com/h","timeoutSeconds":3,"branches":[[{"type":"hangup"}],[{"type":"transfer","destination":\#(dest)}]],"default":[{"type":"dialExternal","number":"+34600000000"}]}]}"#),
                ("POST", "\(t)/call-flows", #"{"name":"Night","actions":[{"type":"email","to":"boss@example.com","template":"Call from {number}"},{"type":"setLanguage","language":"en"},{"type":"transfer","destination":\#(dest)}]}"#),
                ("POST", "\(t)/simulate", #"{"to":"1001","from":"+34600000000","at":"2026-11-24T10:00:00Z","devices":{"1001":"answers"},"presses":["1","2"],"webhooks":{"https://crm.example.com/h":"1"},"waiting":{"2000":3}}"#),
                ("PUT", "\(t)/extensions/\(ext)/voicemail", #"{"enabled":true,"deleteAfterDays":30,"notify":"none","pin":"1234","answerAfterSeconds":15,"keepUnread":true}"#),
                ("POST", "\(t)/users", #"{"firstName":"Ana","lastName":"G","username":"ana.g","password":"correct horse battery","passwordConfirmation":"correct horse battery","role":"member","phone":"+34 600 000 000","timezone":"Europe/Madrid"}"#),
            ]
            for (method, path, template) in templates {
                let plain = try await admin.request(method, path, json: template)
                #expect(plain.status < 300, "the unmutated template is valid: \(method) \(path) \(plain.bodyText)")
            }
            var failures: [String] = []
            var client = admin
            var g = SeededGenerator(seed: 1414)
            for i in 0..<300 {
                let (method, path, template) = templates[i % templates.count]
                let body = Self.mutate(template, &g)
                let response: RawResponse
                do { response = try await client.request(method, path, json: body) } catch {
                    failures.append("\(method) \(path) \(body) → \(error)")
                    break
                }
                if response.headers["Connection"] == "close" {
                    let next = try portal.client()
                    (next.cookie, next.csrfToken) = (client.cookie, client.csrfToken)
                    client = next
                }
                if response.status >= 500 { failures.append("\(method) \(path) \(body) → \(response.status) \(response.bodyText)") }
            }
            #expect(failures.isEmpty, "\(failures.prefix(5))")
            #expect(try await admin.request("GET", "/healthz").status == 200)
        }
    }

    @Test func aNulInACallersNameFromAMediaNodeIsDroppedNotAStuckBatch() {
        let event = NodeEvent(type: "emailRequested", id: "e\u{0}1", tenant: "t1", reference: "k", caller: "+34\u{0}600",
                              callerName: "Eve\u{0}", at: Date(timeIntervalSince1970: 0))
        let clean = EventsRoutes.withoutNUL(event)
        #expect(clean.caller == "+34600" && clean.callerName == "Eve" && clean.id == "e1")
        #expect(EventsRoutes.withoutNUL(clean) == clean)
    }
}
