import Foundation
import HTTPServer
import Telephony

/// The per-input work of the JSON fuzzer (`Sources/FuzzJSONRequests`), kept in the library so
/// that the regression test replays the saved corpus through the same code in a debug build.
///
/// The first input byte chooses a request body type of the API; the rest is the body. It goes
/// through that endpoint's decoding (`MergePatch`, `decodeJSON`, `JSONMerge`) and the checks
/// that run before the database (field rules, `problems()`), and where the portal lowers it
/// without a database (rules, scenarios) through the call plan and the simulator too.
/// Invariants: a refusal is a 4xx `HTTPError`, never anything that would become a 500; what
/// passes every check survives the JSON round trip the database puts it through unchanged.
/// A trap is a crash; a broken invariant is returned as a sentence.
public enum RequestBodyFuzzing {
    /// One endpoint's body: its name (for messages and seed files) and what the portal does
    /// with it before touching the database.
    struct Endpoint: Sendable {
        var name: String
        var run: @Sendable ([UInt8]) throws -> [String]
    }

    public static func check(_ input: [UInt8]) -> [String] {
        guard let selector = input.first else { return [] }
        let endpoint = endpoints[Int(selector) % endpoints.count]
        let body = Array(input.dropFirst())
        do {
            return try endpoint.run(body).map { "\(endpoint.name): \($0)" }
        } catch let error as HTTPError where (400..<500).contains(error.status.code) {
            return []
        } catch {
            return ["\(endpoint.name): refused with \(error) instead of a 4xx problem"]
        }
    }

    /// The endpoint names, in selector order (the seed corpus is written with them).
    public static var endpointNames: [String] { endpoints.map(\.name) }

    static let endpoints: [Endpoint] = [
        Endpoint(name: "extensions") { body in
            let patch = try MergePatch(request(body), allowed: ExtensionsService.fields)
            var errors = FieldErrors()
            let start = ExtensionsRepository.Fields(kind: "phone", ownerID: nil, number: "", name: "", ringSeconds: 20)
            _ = ExtensionsService.apply(patch, to: start, errors: &errors)
            try errors.throwIfAny()
            return []
        },
        Endpoint(name: "intervals") { body in
            let patch = try MergePatch(request(body), allowed: IntervalsService.fields)
            var errors = FieldErrors()
            let start = IntervalFields(ownerID: UUID(), name: "", rule: CalendarInterval(
                timeZone: "Europe/Madrid", startTime: TimeOfDay.midnight, endTime: TimeOfDay.midnight))
            let fields = IntervalsService.apply(patch, to: start, errors: &errors)
            try errors.throwIfAny()
            return try CallLowering.interval(fields.rule)
        },
        Endpoint(name: "intervals.delete") { body in
            _ = try HTTPRequest.decodeJSON(IntervalsRoutes.BulkDelete.self, from: body)
            return []
        },
        Endpoint(name: "users.create") { body in
            let create = try HTTPRequest.decodeJSON(UsersService.CreateRequest.self, from: body)
            var errors = FieldErrors()
            create.fields.validate(into: &errors)
            _ = PasswordPolicy.problem(create.password, username: create.fields.username)
            try errors.throwIfAny()
            return []
        },
        Endpoint(name: "users.patch") { body in
            let patch = try MergePatch(request(body), allowed: UsersService.patchable)
            var errors = FieldErrors()
            _ = UsersService.apply(patch, to: UserFields(), errors: &errors)
            try errors.throwIfAny()
            return []
        },
        Endpoint(name: "rules.create") { body in
            let rule = try HTTPRequest.decodeJSON(IncomingRule.self, from: body)
            return try CallLowering.rule(rule)
        },
        Endpoint(name: "rules.patch") { body in
            let rule = try JSONMerge.patched(CallLowering.sampleRule, with: request(body))
            return try CallLowering.rule(rule)
        },
        Endpoint(name: "rules.order") { body in
            _ = try HTTPRequest.decodeJSON(RulesRoutes.Order.self, from: body)
            return []
        },
        Endpoint(name: "queues.create") { body in
            _ = try MergePatch(request(body), allowed: QueueDocument.fields)
            return try queue(HTTPRequest.decodeJSON(QueueDocument.self, from: body))
        },
        Endpoint(name: "queues.patch") { body in
            _ = try MergePatch(request(body), allowed: QueueDocument.fields)
            let current = QueueDocument(name: "Support", number: "2000", settings: QueueSettings())
            return try queue(JSONMerge.patched(current, with: request(body)))
        },
        Endpoint(name: "callFlows.create") { body in
            _ = try MergePatch(request(body), allowed: ["name", "actions"])
            let flow = try CallFlowsRoutes.checked(HTTPRequest.decodeJSON(CallFlowsRoutes.Body.self, from: body))
            return roundTrip(flow.actions) + (try CallLowering.menu(flow.actions, asCallFlow: true))
        },
        Endpoint(name: "callFlows.patch") { body in
            _ = try MergePatch(request(body), allowed: ["name", "actions"])
            let current = CallFlowsRoutes.Body(name: "Night", actions: [.hangup])
            let flow = try CallFlowsRoutes.checked(JSONMerge.patched(current, with: request(body)))
            return roundTrip(flow.actions)
        },
        Endpoint(name: "ivr.contexts") { body in
            let patch = try MergePatch(request(body), allowed: IVRService.contextFields)
            var errors = FieldErrors()
            _ = IVRService.apply(patch, to: IVRContextFields(name: "", entry: true, directDial: false, timeoutSeconds: 5, maxRetries: 2), &errors)
            try errors.throwIfAny()
            return []
        },
        Endpoint(name: "ivr.option") { body in
            let option = try HTTPRequest.decodeJSON(IVRService.OptionBody.self, from: body)
            var errors = FieldErrors()
            for p in MenuAction.problems(option.actions, path: "actions") { errors.add(p.field, p.message) }
            try errors.throwIfAny()
            _ = MenuAction.references(option.actions, path: "actions")
            return roundTrip(option.actions) + (try CallLowering.menu(option.actions, asCallFlow: false))
        },
        Endpoint(name: "extensionGroups") { body in
            let patch = try MergePatch(request(body), allowed: ["name", "extensionIds"])
            var errors = FieldErrors()
            let name = MergePatch.required("name", patch.string("name", errors: &errors), &errors) ?? ""
            _ = ExtensionGroupsRoutes.memberTexts(patch, required: true, errors: &errors)
            ExtensionGroupsRoutes.checkName(name, &errors)
            try errors.throwIfAny()
            return []
        },
        Endpoint(name: "apiKeys") { body in
            let key = try HTTPRequest.decodeJSON(APIKeysRoutes.CreateRequest.self, from: body)
            try APIKeysRoutes.checked(key)
            return []
        },
        Endpoint(name: "voicemail") { body in
            let patch = try MergePatch(request(body), allowed: VoicemailSettingsRoutes.fields)
            var errors = FieldErrors()
            _ = VoicemailSettingsRoutes.apply(patch, to: VoicemailSettings(), pin: nil, errors: &errors)
            try errors.throwIfAny()
            return []
        },
        Endpoint(name: "recording") { body in
            let patch = try MergePatch(request(body), allowed: RecordingSettingsRoutes.fields)
            var errors = FieldErrors()
            _ = RecordingSettingsRoutes.apply(patch, to: RecordingSettings(), errors: &errors)
            try errors.throwIfAny()
            return []
        },
        Endpoint(name: "tenants") { body in
            let patch = try MergePatch(request(body), allowed: TenantsService.operatorFields.union(TenantsService.adminFields))
            var errors = FieldErrors()
            let fields = try TenantsService.apply(patch, to: TenantsService.draft(name: "Acme"), errors: &errors)
            TenantsService.checkCallerIDs(fields.outgoingCallerIds, owned: ["+34910000000"], into: &errors)
            try errors.throwIfAny()
            return []
        },
        Endpoint(name: "queueAgents") { body in
            let patch = try MergePatch(request(body), allowed: ["extensionId", "pin", "penalty", "supervisor"])
            var errors = FieldErrors()
            _ = MergePatch.required("extensionId", patch.string("extensionId", errors: &errors), &errors)
            _ = QueueAgentsService.pin(patch, &errors)
            _ = QueueAgentsService.penalty(patch, default: 0, &errors)
            _ = patch.bool("supervisor", default: false, errors: &errors)
            try errors.throwIfAny()
            return []
        },
        Endpoint(name: "queueAgents.state") { body in
            _ = try HTTPRequest.decodeJSON(QueueAgentsService.StateRequest.self, from: body)
            _ = try? HTTPRequest.decodeJSON(QueueAgentsRoutes.Removal.self, from: body)
            return []
        },
        Endpoint(name: "numbers") { body in
            let assign = try HTTPRequest.decodeJSON(NumbersRoutes.Assign.self, from: body)
            _ = PhoneNumber.e164(assign.number)
            _ = try MergePatch(request(body), allowed: ["destination"])
            _ = try NumbersRoutes.destination(request(body))
            return []
        },
        Endpoint(name: "mediaNodes") { body in
            _ = try MediaNodesRoutes.validate(HTTPRequest.decodeJSON(MediaNodesRoutes.Fields.self, from: body), requireSecret: true)
            return []
        },
        Endpoint(name: "session") { body in
            let credentials = try HTTPRequest.decodeJSON(SessionRoutes.Credentials.self, from: body)
            _ = UserFields.usernameProblem(credentials.username)
            let change = try HTTPRequest.decodeJSON(SessionService.PasswordChange.self, from: body)
            _ = PasswordPolicy.problem(change.newPassword, username: credentials.username)
            return []
        },
        Endpoint(name: "deployments.mode") { body in
            _ = try HTTPRequest.decodeJSON(DeploymentsRoutes.Mode.self, from: body)
            return []
        },
        Endpoint(name: "simulate") { body in try CallLowering.simulate(body) },
        Endpoint(name: "headers") { body in PortalHeaderFuzzing.problems(body) },
    ]

    static func request(_ body: [UInt8]) -> HTTPRequest {
        HTTPRequest(method: .post, target: "/api/v1/fuzz", body: body, requestID: "fuzz")
    }

    static func queue(_ document: QueueDocument) throws -> [String] {
        try QueuesService.throwProblems(document)
        return roundTrip(QueuesService.trimmed(document))
    }

    /// What passed every check is stored as JSON and read back: it must come back the same.
    static func roundTrip<T: Codable & Equatable>(_ value: T) -> [String] {
        do {
            let decoded = try JSONCoding.decode(T.self, from: Array(JSONCoding.encode(value)))
            return decoded == value ? [] : ["\(T.self) changes through JSON: \(value) became \(decoded)"]
        } catch {
            return ["\(T.self) that passed its checks does not read back: \(error)"]
        }
    }
}
