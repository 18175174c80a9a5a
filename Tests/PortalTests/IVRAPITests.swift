import Foundation
import HTTPServer
@testable import Portal
import Postgres
import Testing
import Telephony
import TestSupport

/// IVR-1 … IVR-5 over the live API: contexts, options and actions, call flows, and the
/// pending / test / simulate cycle on them.
@Suite struct IVRAPITests {
    struct Context: Decodable {
        struct Option: Decodable { var key: String; var actionCount: Int }
        var id: String
        var name: String
        var entry: Bool
        var directDial: Bool
        var timeoutSeconds: Int
        var maxRetries: Int
        var options: [Option]
        var version: Int
        func count(_ key: String) -> Int { options.first { $0.key == key }?.actionCount ?? -1 }
    }
    struct Page<T: Decodable>: Decodable { var items: [T] }
    struct Created: Decodable { var id: String }
    struct Validation: Decodable {
        struct Finding: Decodable { var code: String; var resource: String; var resourceId: String; var field: String? }
        var valid: Bool
        var findings: [Finding]
    }
    struct Trace: Decodable {
        struct Event: Decodable { var kind: String; var detail: [String: String] }
        struct Outcome: Decodable { var kind: String; var extensionNumber: String? }
        var events: [Event]
        var outcome: Outcome
    }
    struct Status: Decodable { var pending: Bool; var configRevision: Int }

    @Test func contextsKeepExactlyOneEntryAndOptionsHoldValidatedActions() async throws {
        try await withLivePortal(label: "ivr") { portal async throws in
            let tenant = try await portal.createTenant()
            let adminUser = try await portal.createUser(tenant: tenant, role: "admin")
            let admin = try portal.client()
            try await admin.signIn(adminUser.username)
            let t = "/api/v1/tenants/\(tenant)"
            let phone = try await admin.request("POST", "\(t)/extensions", json: #"{"ownerId":"\#(adminUser.id)","number":"1001"}"#).json(Created.self).id
            let ivr = try await admin.request("POST", "\(t)/extensions", json: #"{"kind":"ivr","number":"3000","name":"Welcome"}"#).json(Created.self).id
            let c = "\(t)/ivrs/\(ivr)/contexts"
            #expect(try await admin.request("GET", "\(t)/ivrs/\(phone)/contexts").status == 404, "a phone is not an IVR")

            let main = try await admin.request("POST", c, json: #"{"name":"Main","directDial":true,"timeoutSeconds":4}"#).json(Context.self)
            #expect(main.entry, "the first context is the entry")
            #expect(main.options.map(\.key) == ["start", "timeout", "invalid", "1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "star", "hash"])
            let sales = try await admin.request("POST", c, json: #"{"name":"Sales"}"#).json(Context.self)
            #expect(!sales.entry)
            #expect(try await admin.request("POST", c, json: #"{"name":"main"}"#).status == 409)
            let bad = try await admin.request("POST", c, json: #"{"name":"","timeoutSeconds":0,"maxRetries":11}"#)
            #expect(Set(try bad.json(ProblemDetails.self).errors?.map(\.field) ?? []) == ["name", "timeoutSeconds", "maxRetries"])

            // Marking another context moves the mark; unmarking the entry is refused.
            let moved = try await admin.request("PATCH", "\(c)/\(sales.id)", json: #"{"entry":true}"#)
            #expect(try moved.json(Context.self).entry)
            let contexts = try await admin.request("GET", c).json(Page<Context>.self).items
            #expect(contexts.filter(\.entry).map(\.id) == [sales.id])
            let unmark = try await admin.request("PATCH", "\(c)/\(sales.id)", json: #"{"entry":false}"#)
            #expect(try unmark.json(ProblemDetails.self).errors?.first?.field == "entry")
            _ = try await admin.request("PATCH", "\(c)/\(main.id)", json: #"{"entry":true}"#)

            // The sounds forms offer are exactly the ones actions and queues may name.
            struct Sound: Decodable { var kind: String; var id: String; var name: String; var system: Bool }
            let sounds = try await admin.request("GET", "\(t)/sounds").json(Page<Sound>.self).items
            #expect(Set(sounds.filter { $0.kind == "sound" }.map(\.id)) == Set(SystemSounds.prompts.keys))
            #expect(sounds.filter { $0.kind == "holdMusic" }.map(\.id) == ["system:default"])
            #expect(sounds.allSatisfy { $0.system && "system:\($0.name)" == $0.id })
            #expect(try await portal.client().request("GET", "\(t)/sounds").status == 401)

            // Options: actions validated by field, references checked in the tenant.
            let set = try await admin.request("PUT", "\(c)/\(main.id)/options/start", json: """
                {"actions":[{"type":"play","soundId":"system:welcome"},
                            {"type":"httpNotification","url":"https://crm.example.com/h?n={number}","timeoutSeconds":3,
                             "branches":[[{"type":"hangup"}],[],[{"type":"goto","contextId":"\(sales.id)"}]],"default":[]}]}
                """)
            #expect(set.status == 200, "\(set.bodyText)")
            #expect(try set.json(Context.self).count("start") == 2)
            #expect(try await admin.request("PUT", "\(c)/\(main.id)/options/1", json: #"{"actions":[{"type":"goto","contextId":"\#(sales.id)"}]}"#).status == 200)
            #expect(try await admin.request("PUT", "\(c)/\(sales.id)/options/0", json: #"{"actions":[{"type":"transfer","destination":{"type":"extension","id":"\#(phone)"}}]}"#).status == 200)
            let invalid = try await admin.request("PUT", "\(c)/\(main.id)/options/2", json: """
                {"actions":[{"type":"play","soundId":""},{"type":"lookupName","url":"ftp://x","timeoutSeconds":60},
                            {"type":"timeRouting","intervalId":"x","then":[{"type":"setLanguage","language":"fr"}]}]}
                """)
            #expect(Set(try invalid.json(ProblemDetails.self).errors?.map(\.field) ?? [])
                    == ["actions[0].soundId", "actions[1].url", "actions[1].timeoutSeconds", "actions[2].then[0].language"])
            let unknownType = try await admin.request("PUT", "\(c)/\(main.id)/options/2", json: #"{"actions":[{"type":"fax"}]}"#)
            #expect(try unknownType.json(ProblemDetails.self).errors?.first?.field == "actions[0].type")
            let dangling = try await admin.request("PUT", "\(c)/\(main.id)/options/2", json: #"{"actions":[{"type":"transfer","destination":{"type":"queue","id":"\#(UUID())"}}]}"#)
            #expect(try dangling.json(ProblemDetails.self).errors?.first?.field == "actions[0].destination.id")
            let noSound = try await admin.request("PUT", "\(c)/\(main.id)/options/2", json: #"{"actions":[{"type":"play","soundId":"mine"}]}"#)
            #expect(try noSound.json(ProblemDetails.self).errors?.first?.field == "actions[0].soundId")
            let otherIVRContext = try await admin.request("PUT", "\(c)/\(main.id)/options/2", json: #"{"actions":[{"type":"goto","contextId":"\#(UUID())"}]}"#)
            #expect(try otherIVRContext.json(ProblemDetails.self).errors?.first?.field == "actions[0].contextId")
            #expect(try await admin.request("PUT", "\(c)/\(main.id)/options/10", json: #"{"actions":[]}"#).status == 404)

            // A context another goes to cannot be deleted; clearing the option frees it.
            let inUse = try await admin.request("DELETE", "\(c)/\(sales.id)")
            #expect(inUse.status == 409)
            #expect(try inUse.json(ProblemDetails.self).detail.contains("Main (1)"))
            #expect(try await admin.request("PUT", "\(c)/\(main.id)/options/1", json: #"{"actions":[]}"#).json(Context.self).count("1") == 0)
            let start = try await admin.request("GET", "\(c)/\(main.id)").bodyText
            #expect(start.contains(#""type":"httpNotification""#))
            _ = try await admin.request("PUT", "\(c)/\(main.id)/options/start", json: #"{"actions":[{"type":"play","soundId":"system:welcome"}]}"#)
            #expect(try await admin.request("DELETE", "\(c)/\(sales.id)").status == 204)
            // Deleting the entry passes the mark on.
            let spare = try await admin.request("POST", c, json: #"{"name":"Spare"}"#).json(Context.self)
            #expect(try await admin.request("DELETE", "\(c)/\(main.id)").status == 204)
            #expect(try await admin.request("GET", "\(c)/\(spare.id)").json(Context.self).entry)
            let audited = try await portal.owner.query("SELECT count(*) AS n FROM audit_log WHERE entity IN ('ivrContext', 'ivrOption')").first?.decode(Int.self, "n") ?? 0
            #expect(audited >= 10)
        }
    }

    @Test func changesArePendingUntilAppliedAndTestAndSimulateSeeThem() async throws {
        try await withLivePortal(label: "ivr_cycle") { portal async throws in
            let tenant = try await portal.createTenant()
            let adminUser = try await portal.createUser(tenant: tenant, role: "admin")
            let admin = try portal.client()
            try await admin.signIn(adminUser.username)
            let t = "/api/v1/tenants/\(tenant)"
            #expect(try await admin.request("PUT", "\(t)/deployments/mode", json: #"{"deployMode":"manual"}"#).status == 200)
            let phone = try await admin.request("POST", "\(t)/extensions", json: #"{"ownerId":"\#(adminUser.id)","number":"1001"}"#).json(Created.self).id
            let queue = try await admin.request("POST", "\(t)/queues", json: #"{"name":"Support","number":"2000","maxWaitSeconds":60,"timeoutDestination":{"type":"extension","id":"\#(phone)"}}"#).json(Created.self).id
            let ivr = try await admin.request("POST", "\(t)/extensions", json: #"{"kind":"ivr","number":"3000"}"#).json(Created.self).id
            let c = "\(t)/ivrs/\(ivr)/contexts"
            let main = try await admin.request("POST", c, json: #"{"name":"Main"}"#).json(Context.self)
            let orphan = try await admin.request("POST", c, json: #"{"name":"Orphan"}"#).json(Context.self)
            let hook = "https://crm.example.com/h"
            _ = try await admin.request("PUT", "\(c)/\(main.id)/options/start", json: """
                {"actions":[{"type":"httpNotification","url":"\(hook)","timeoutSeconds":2,
                  "branches":[[{"type":"hangup"}],[{"type":"hangup"}],[{"type":"transfer","destination":{"type":"extension","id":"\(phone)"}}]]}]}
                """)
            _ = try await admin.request("PUT", "\(c)/\(main.id)/options/1", json: #"{"actions":[{"type":"transfer","destination":{"type":"queue","id":"\#(queue)"}}]}"#)
            let number = try await portal.owner.query("""
                INSERT INTO public_numbers (tenant_id, number) VALUES (\(UUID(uuidString: tenant)!), '+34910000333') RETURNING id::text AS id
                """).first?.decode(String.self, "id") ?? ""
            #expect(try await admin.request("PATCH", "\(t)/numbers/\(number)", json: #"{"destination":{"type":"ivr","id":"\#(ivr)"}}"#).status == 200)

            let status = try await admin.request("GET", "\(t)/deployments").json(Status.self)
            #expect(status.pending, "IVR changes wait to be applied")
            let report = try await admin.request("POST", "\(t)/validate").json(Validation.self)
            #expect(report.valid, "warnings only")
            #expect(Set(report.findings.map(\.code)) == ["queueWithoutAgents", "unreachableContext", "noOptions"])
            #expect(report.findings.contains { $0.code == "unreachableContext" && $0.resourceId == orphan.id && $0.resource == "ivrContext" })

            let at = "2026-11-24T10:00:00Z"
            let webhook3 = try await admin.request("POST", "\(t)/simulate", json: """
                {"to":"+34910000333","at":"\(at)","webhooks":{"\(hook)":"3"},"devices":{"1001":"answers"}}
                """)
            #expect(webhook3.status == 200, "\(webhook3.bodyText)")
            let trace = try webhook3.json(Trace.self)
            #expect(trace.outcome.kind == "answered" && trace.outcome.extensionNumber == "1001")
            #expect(trace.events.contains { $0.kind == "webhook" && $0.detail["branch"] == "3" })
            let queueEmpty = try await admin.request("POST", "\(t)/simulate", json: """
                {"to":"+34910000333","at":"\(at)","presses":["1"],"devices":{"1001":"answers"}}
                """).json(Trace.self)
            #expect(queueEmpty.events.contains { $0.kind == "queueEmpty" }, "nobody logged in")
            #expect(queueEmpty.outcome.extensionNumber == "1001", "the timeout destination takes the call")
            let gaveUp = try await admin.request("POST", "\(t)/simulate", json: #"{"to":"3000","at":"\#(at)","presses":["7","8","9"]}"#).json(Trace.self)
            #expect(gaveUp.events.filter { $0.kind == "invalid" }.count == 3 && gaveUp.outcome.kind == "hangup")

            // Breaking a reference makes the test fail and applying is refused.
            try await portal.owner.query("UPDATE ivr_options SET actions = '[{\"type\":\"play\",\"soundId\":\"gone\"}]' WHERE key = '1'")
            let broken = try await admin.request("POST", "\(t)/validate").json(Validation.self)
            #expect(!broken.valid)
            #expect(broken.findings.contains { $0.code == "missingSound" && $0.field == "options.1[0].soundId" })
            let apply = try await admin.request("POST", "\(t)/deployments")
            #expect(apply.status == 422, "\(apply.bodyText)")
        }
    }

    @Test func callFlowsRouteANumberAndAreProtectedWhileUsed() async throws {
        try await withLivePortal(label: "flows") { portal async throws in
            let tenant = try await portal.createTenant()
            let adminUser = try await portal.createUser(tenant: tenant, role: "admin")
            let member = try await portal.createUser(tenant: tenant, role: "member")
            let admin = try portal.client()
            try await admin.signIn(adminUser.username)
            let memberClient = try portal.client()
            try await memberClient.signIn(member.username)
            let t = "/api/v1/tenants/\(tenant)"
            let phone = try await admin.request("POST", "\(t)/extensions", json: #"{"ownerId":"\#(adminUser.id)","number":"1001"}"#).json(Created.self).id
            let lookup = "https://crm.example.com/name?n={number}"
            let created = try await admin.request("POST", "\(t)/call-flows", json: """
                {"name":"Night","actions":[{"type":"lookupName","url":"\(lookup)","timeoutSeconds":2},{"type":"callerNumber","prefix":"9"},
                  {"type":"email","to":"boss@acme.example","template":"Call from {number}"},
                  {"type":"transfer","destination":{"type":"extension","id":"\(phone)"}}]}
                """)
            #expect(created.status == 201, "\(created.bodyText)")
            let flow = try created.json(Created.self).id
            let gotoRefused = try await admin.request("POST", "\(t)/call-flows", json: #"{"name":"X","actions":[{"type":"goto","contextId":"\#(UUID())"}]}"#)
            #expect(try gotoRefused.json(ProblemDetails.self).errors?.first?.field == "actions[0].type")
            #expect(try await admin.request("POST", "\(t)/call-flows", json: #"{"name":"night","actions":[{"type":"hangup"}]}"#).status == 409)
            #expect(try await admin.request("POST", "\(t)/call-flows", json: #"{"name":"Empty","actions":[]}"#).status == 422)

            let number = try await portal.owner.query("""
                INSERT INTO public_numbers (tenant_id, number) VALUES (\(UUID(uuidString: tenant)!), '+34910000444') RETURNING id::text AS id
                """).first?.decode(String.self, "id") ?? ""
            #expect(try await admin.request("PATCH", "\(t)/numbers/\(number)", json: #"{"destination":{"type":"callFlow","id":"\#(flow)"}}"#).status == 200)
            let read = try await admin.request("GET", "\(t)/call-flows/\(flow)").bodyText
            #expect(read.contains(#""publicNumbers":["+34910000444"]"#))
            let trace = try await admin.request("POST", "\(t)/simulate", json: """
                {"to":"+34910000444","from":"+34600111222","at":"2026-11-24T22:00:00Z","lookups":{"\(lookup)":"ACME"},"devices":{"1001":"answers"}}
                """).json(Trace.self)
            #expect(trace.events.map(\.kind).starts(with: ["route", "flow", "lookup", "callerNumber", "email"]))
            #expect(trace.outcome.kind == "answered")
            struct Compiled: Decodable { var tenant: String }
            let compiled = try await admin.request("GET", "\(t)/compiled")
            let key = try compiled.json(Compiled.self).tenant
            #expect(compiled.bodyText.contains("Goto(\(key)-flow,1,1)"), "the number runs the flow in the dial plan")

            let renamed = try await admin.request("PATCH", "\(t)/call-flows/\(flow)", json: #"{"name":"Night line"}"#,
                                                  headers: ["Content-Type": "application/merge-patch+json"])
            #expect(renamed.status == 200)
            #expect(try await admin.request("DELETE", "\(t)/call-flows/\(flow)").status == 409)
            #expect(try await memberClient.request("GET", "\(t)/call-flows").status == 403)
            _ = try await admin.request("PATCH", "\(t)/numbers/\(number)", json: #"{"destination":null}"#)
            #expect(try await admin.request("DELETE", "\(t)/call-flows/\(flow)").status == 204)
        }
    }
}
