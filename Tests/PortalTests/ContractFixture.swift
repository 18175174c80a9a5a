import Foundation
import Testing
import TestSupport

/// A tenant with one of everything, made through the API, so that Schemathesis reaches the
/// handlers behind paths with IDs instead of stopping at `404`: each path parameter is bound
/// to a seeded resource, and every `DELETE` to a spare one, so a delete early in the run does
/// not leave the later operations on that path without their resource.
struct ContractFixture {
    var tenant: String
    var adminKey: String
    var memberKey: String
    /// A member's browser session: the cookie and its CSRF token.
    var memberCookie = ""
    var memberCSRF = ""
    /// A platform operator's session, for the operators' routes (tenants, media nodes, numbers).
    var operatorCookie = ""
    var operatorCSRF = ""
    /// Values for the path parameters, by path template (`{id}` means different things on
    /// different paths); `deletes` holds the spare resources the `DELETE` operations get.
    var parameters: [String: [String: String]] = [:]
    var deletes: [String: [String: String]] = [:]

    struct Created: Decodable { var id: String }
    struct Key: Decodable { var id: String; var secret: String }

    static func seed(_ portal: LivePortal) async throws -> ContractFixture {
        let tenant = try await portal.createTenant("Contract")
        let admin = try await portal.createUser(tenant: tenant, role: "admin")
        let member = try await portal.createUser(tenant: tenant, role: "member")
        let spareUser = try await portal.createUser(tenant: tenant, role: "member")
        let client = try portal.client()
        try #require(try await client.signIn(admin.username).status == 200)
        let t = "/api/v1/tenants/\(tenant)"

        func create(_ path: String, _ json: String) async throws -> String {
            let response = try await client.request("POST", t + path, json: json)
            try #require(response.status == 201, "POST \(path): \(response.status) \(response.bodyText)")
            return try response.json(Created.self).id
        }
        func key(_ role: String) async throws -> Key {
            let response = try await client.request("POST", t + "/api-keys", json: #"{"name":"contract \#(role)","role":"\#(role)"}"#)
            try #require(response.status == 201, "\(response.bodyText)")
            return try response.json(Key.self)
        }
        let adminKey = try await key("admin"), memberKey = try await key("member"), spareKey = try await key("member")
        let phone = try await create("/extensions", #"{"ownerId":"\#(admin.id)","number":"1001","name":"Recepción"}"#)
        let memberPhone = try await create("/extensions", #"{"ownerId":"\#(member.id)","number":"1002","name":"Bruno"}"#)
        let sparePhone = try await create("/extensions", #"{"ownerId":"\#(member.id)","number":"1003","name":"Spare"}"#)
        let ivr = try await create("/extensions", #"{"kind":"ivr","number":"3000","name":"Welcome"}"#)
        let spareIVR = try await create("/extensions", #"{"kind":"ivr","number":"3001","name":"Spare menu"}"#)
        let context = try await create("/ivrs/\(ivr)/contexts", #"{"name":"Main"}"#)
        let spareContext = try await create("/ivrs/\(spareIVR)/contexts", #"{"name":"Spare"}"#)
        let queue = try await create("/queues", #"{"name":"Support","number":"2000"}"#)
        let spareQueue = try await create("/queues", #"{"name":"Spare","number":"2001"}"#)
        let agent = try await create("/queues/\(queue)/agents", #"{"extensionId":"\#(phone)"}"#)
        let spareAgent = try await create("/queues/\(queue)/agents", #"{"extensionId":"\#(memberPhone)"}"#)
        let group = try await create("/extension-groups", #"{"name":"Sales","extensionIds":["\#(phone)"]}"#)
        let spareGroup = try await create("/extension-groups", #"{"name":"Spare","extensionIds":[]}"#)
        let interval = try await create("/intervals", #"{"name":"Hours","startTime":"09:00","endTime":"18:00"}"#)
        let spareInterval = try await create("/intervals", #"{"name":"Spare","startTime":"09:00","endTime":"18:00"}"#)
        let rule = try await create("/extensions/\(phone)/rules", #"{"kind":"hangup"}"#)
        let spareRule = try await create("/extensions/\(phone)/rules", #"{"kind":"hangup"}"#)
        let flow = try await create("/call-flows", #"{"name":"Night","actions":[{"type":"hangup"}]}"#)
        let spareFlow = try await create("/call-flows", #"{"name":"Spare","actions":[{"type":"hangup"}]}"#)
        // Public numbers are assigned by a platform operator.
        let op = try await portal.createUser(tenant: nil, role: "operator")
        let operatorClient = try portal.client()
        try #require(try await operatorClient.signIn(op.username).status == 200)
        func assign(_ number: String) async throws -> String {
            let response = try await operatorClient.request("POST", t + "/numbers", json: #"{"number":"\#(number)"}"#)
            try #require(response.status == 201, "\(response.bodyText)")
            return try response.json(Created.self).id
        }
        let number = try await assign("+34910000123"), spareNumber = try await assign("+34910000124")
        func node(_ name: String) async throws -> String {
            // Port 9 (discard): nothing answers there, and no deployer runs in this portal.
            let response = try await operatorClient.request("POST", "/api/v1/media-nodes",
                                                            json: #"{"name":"\#(name)","url":"http://127.0.0.1:9","secret":"\#(String(repeating: "s", count: 32))"}"#)
            try #require(response.status == 201, "\(response.bodyText)")
            return try response.json(Created.self).id
        }
        let mediaNode = try await node("node-a"), spareNode = try await node("node-spare")
        let spareTenant = try await portal.createTenant("Spare")

        var fixture = ContractFixture(tenant: tenant, adminKey: adminKey.secret, memberKey: memberKey.secret)
        let memberClient = try portal.client()
        try #require(try await memberClient.signIn(member.username).status == 200)
        fixture.memberCookie = try #require(memberClient.cookie)
        fixture.memberCSRF = try #require(memberClient.csrfToken)
        fixture.operatorCookie = try #require(operatorClient.cookie)
        fixture.operatorCSRF = try #require(operatorClient.csrfToken)
        fixture.deletes["/api/v1/tenants/{tenantId}"] = ["tenantId": spareTenant]
        fixture.parameters["/api/v1/media-nodes/{id}"] = ["id": mediaNode]
        fixture.deletes["/api/v1/media-nodes/{id}"] = ["id": spareNode]
        fixture.parameters["/api/v1/media-nodes/{id}/tenants/{tenantId}"] = ["id": mediaNode]
        let base = "/api/v1/tenants/{tenantId}"
        fixture.deletes[base + "/api-keys/{id}"] = ["id": spareKey.id]
        fixture.parameters[base + "/extension-groups/{id}"] = ["id": group]
        fixture.deletes[base + "/extension-groups/{id}"] = ["id": spareGroup]
        for suffix in ["", "/sip-password", "/devices", "/voicemail", "/recording", "/rules", "/rules/order"] {
            fixture.parameters[base + "/extensions/{id}" + suffix] = ["id": phone]
        }
        fixture.deletes[base + "/extensions/{id}"] = ["id": sparePhone]
        fixture.parameters[base + "/extensions/{id}/rules/{ruleId}"] = ["id": phone, "ruleId": rule]
        fixture.deletes[base + "/extensions/{id}/rules/{ruleId}"] = ["id": phone, "ruleId": spareRule]
        fixture.parameters[base + "/numbers/{id}"] = ["id": number]
        fixture.deletes[base + "/numbers/{id}"] = ["id": spareNumber]
        fixture.parameters[base + "/intervals/{id}"] = ["id": interval]
        fixture.deletes[base + "/intervals/{id}"] = ["id": spareInterval]
        for suffix in ["", "/dependents", "/storage"] { fixture.parameters[base + "/users/{id}" + suffix] = ["id": member.id] }
        fixture.deletes[base + "/users/{id}"] = ["id": spareUser.id]
        fixture.parameters[base + "/deployments/{revision}/rollback"] = ["revision": "1"]
        for suffix in ["", "/agents", "/agents/remove"] { fixture.parameters[base + "/queues/{id}" + suffix] = ["id": queue] }
        fixture.deletes[base + "/queues/{id}"] = ["id": spareQueue]
        for suffix in ["", "/state"] { fixture.parameters[base + "/queues/{id}/agents/{agentId}" + suffix] = ["id": queue, "agentId": agent] }
        fixture.deletes[base + "/queues/{id}/agents/{agentId}"] = ["id": queue, "agentId": spareAgent]
        fixture.parameters[base + "/ivrs/{ivrId}/contexts"] = ["ivrId": ivr]
        fixture.parameters[base + "/ivrs/{ivrId}/contexts/{id}"] = ["ivrId": ivr, "id": context]
        fixture.deletes[base + "/ivrs/{ivrId}/contexts/{id}"] = ["ivrId": spareIVR, "id": spareContext]
        fixture.parameters[base + "/ivrs/{ivrId}/contexts/{id}/options/{key}"] = ["ivrId": ivr, "id": context, "key": "1"]
        fixture.parameters[base + "/call-flows/{id}"] = ["id": flow]
        fixture.deletes[base + "/call-flows/{id}"] = ["id": spareFlow]
        return fixture
    }

    enum Caller { case apiKey(String), session(cookie: String, csrf: String) }

    /// `schemathesis.toml` for a run as `caller`: the tenant everywhere, the seeded IDs per
    /// path; `412` (a stale `If-Match` is refused before the body is read) counts as refusing
    /// invalid data; no cache of earlier runs.
    func configuration(as caller: Caller) -> String {
        var toml: String
        switch caller {
        case .apiKey(let key):
            toml = "headers = { Authorization = \"Bearer \(key)\" }\n\n[parameters]\n"
        case .session(let cookie, let csrf):
            toml = "headers = { Cookie = \"centralita_session=\(cookie)\" }\n\n[parameters]\n\"header.X-CSRF-Token\" = \"\(csrf)\"\n"
        }
        toml += """
            "path.tenantId" = "\(tenant)"

            [cache]
            enabled = false

            [checks.negative_data_rejection]
            expected-statuses = [400, 401, 403, 404, 405, 406, 409, 412, 415, 422, 428, 429]

            [phases.examples.extra-data-sources]
            responses = false

            [phases.fuzzing.extra-data-sources]
            responses = false

            """
        func entry(_ path: String, _ values: [String: String], method: String) -> String {
            let bound = values.sorted { $0.key < $1.key }.map { "\"path.\($0.key)\" = \"\($0.value)\"" }.joined(separator: ", ")
            return "\n[[operations]]\ninclude-path = \"\(path)\"\n\(method)\nparameters = { \(bound) }\n"
        }
        for (path, values) in parameters.sorted(by: { $0.key < $1.key }) {
            toml += entry(path, values, method: deletes[path] == nil ? "" : "exclude-method = \"DELETE\"")
        }
        for (path, values) in deletes.sorted(by: { $0.key < $1.key }) {
            toml += entry(path, values, method: "include-method = \"DELETE\"")
        }
        return toml
    }
}
