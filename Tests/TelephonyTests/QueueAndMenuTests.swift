import Foundation
import Testing
@testable import Telephony

@Suite struct AgentStateTests {
    @Test func onlyQUE3TransitionsAreAllowed() {
        let allowed: Set<String> = ["loggedOut→loggedIn", "loggedIn→paused", "loggedIn→loggedOut", "paused→loggedIn"]
        for from in AgentState.allCases {
            for to in AgentState.allCases where to != from {
                #expect(from.canMove(to: to) == allowed.contains("\(from.rawValue)→\(to.rawValue)"), "\(from) → \(to)")
            }
        }
    }
}

@Suite struct QueueSettingsTests {
    @Test func defaultsAreValidAndEveryLimitIsNamed() throws {
        #expect(QueueSettings().problems().isEmpty)
        let s = try JSONDecoder().decode(QueueSettings.self, from: Data("""
            {"maxWaiting": 501, "retrySeconds": 0, "serviceLevelSeconds": -1, "maxWaitSeconds": 0,
             "timeoutDestination": {"type": "external", "number": "+34911000000"}, "announcement": {"soundId": "", "everySeconds": 5},
             "overflowDestination": {"type": "ruleGroup", "id": "x"}}
            """.utf8))
        let fields = Set(s.problems().map(\.field))
        #expect(fields == ["maxWaiting", "retrySeconds", "serviceLevelSeconds", "announcement.soundId", "announcement.everySeconds",
                           "overflowDestination.type", "timeoutDestination"])
    }

    @Test func everyStrategyHasItsAsteriskName() {
        #expect(QueueSettings.Strategy.allCases.map(\.asteriskName) == ["ringall", "leastrecent", "fewestcalls", "random", "rrmemory", "linear", "wrandom"])
    }
}

@Suite struct MenuActionTests {
    func decode(_ json: String) throws -> [MenuAction] { try JSONDecoder().decode([MenuAction].self, from: Data(json.utf8)) }

    @Test func everyActionRoundTripsThroughJSON() throws {
        let json = """
            [{"type":"play","soundId":"system:welcome"},
             {"type":"timeRouting","intervalId":"i","then":[{"type":"hangup"}],"else":[{"type":"setLanguage","language":"en"}]},
             {"type":"httpNotification","url":"https://x.example/h","timeoutSeconds":3,"branches":[[{"type":"listenVoicemail"}]],"default":[]},
             {"type":"lookupName","url":"https://x.example/n?{number}","timeoutSeconds":2},
             {"type":"callerNumber","prefix":"9","suffix":""},
             {"type":"email","to":"a@b.example","template":"hi"},
             {"type":"voicemail","extensionId":"e"},
             {"type":"dialExternal","number":"0034 911 000 000"}]
            """
        let actions = try decode(json)
        #expect(actions.count == 8)
        #expect(actions.last == .dialExternal(number: "+34911000000"))
        #expect(try JSONDecoder().decode([MenuAction].self, from: JSONEncoder().encode(actions)) == actions)
    }

    @Test func unknownTypesAndBadNumbersAreRefused() {
        #expect(throws: DecodingError.self) { try decode(#"[{"type":"fax"}]"#) }
        #expect(throws: DecodingError.self) { try decode(#"[{"type":"dialExternal","number":"12"}]"#) }
        #expect(throws: DecodingError.self) { try decode(#"[{"type":"play"}]"#) }
    }

    @Test func problemsNameTheNestedField() {
        let actions: [MenuAction] = [
            .httpNotification(url: "ftp://x", timeoutSeconds: 99, branches: [[.play(soundId: "")]], otherwise: []),
            .timeRouting(intervalId: "i", then: [.lookupName(url: "https://x.example/${EXTEN}", timeoutSeconds: 3)], otherwise: []),
            .callerNumber(prefix: "", suffix: ""),
            .email(to: "nobody", template: ""),
            .setLanguage("fr"),
            .transfer(.external(number: "+34911000000")),
            .hangup,
            .play(soundId: "system:welcome"),
        ]
        let fields = Set(MenuAction.problems(actions, path: "actions").map(\.field))
        #expect(fields == ["actions[0].url", "actions[0].timeoutSeconds", "actions[0].branches[0][0].soundId", "actions[1].then[0].url",
                           "actions[2].prefix", "actions[3].to", "actions[3].template", "actions[4].language", "actions[5].destination.type", "actions[6]",
                           "actions[7]"])
    }

    @Test func gotoIsRefusedInCallFlowsAndDeepNestingIsRefused() {
        #expect(MenuAction.problems([.goto(contextId: "c")], path: "actions", allowGoto: false).map(\.field) == ["actions[0].type"])
        var nested: [MenuAction] = [.hangup]
        for _ in 0..<5 { nested = [.timeRouting(intervalId: "i", then: nested, otherwise: [])] }
        #expect(MenuAction.problems(nested, path: "a").contains { $0.message.contains("nest") })
    }

    @Test func referencesAreFoundInEveryBranch() {
        let actions: [MenuAction] = [.httpNotification(url: "https://x.example", timeoutSeconds: 3,
                                                       branches: [[.goto(contextId: "c1")]], otherwise: [.transfer(.queue(id: "q"))])]
        let refs = MenuAction.references(actions, path: "actions")
        #expect(refs.map(\.field) == ["actions[0].branches[0][0].contextId", "actions[0].default[0].destination"])
    }
}

@Suite struct EmailActionTests {
    @Test func keysAreStableAndDependOnAddressAndText() {
        let key = MenuAction.emailKey(to: "a@b.example", template: "hi")
        #expect(key.count == 16 && key.allSatisfy(\.isHexDigit))
        #expect(key == MenuAction.emailKey(to: "a@b.example", template: "hi"))
        #expect(key != MenuAction.emailKey(to: "a@b.example", template: "hi!"))
        #expect(key != MenuAction.emailKey(to: "c@b.example", template: "hi"))
    }

    @Test func emailsAreFoundInBranchesAndRendered() {
        let actions: [MenuAction] = [.timeRouting(intervalId: "i", then: [.email(to: "a@x.example", template: "1")],
                                                  otherwise: [.httpNotification(url: "https://x.example", timeoutSeconds: 1, branches: [[.email(to: "b@x.example", template: "2")]], otherwise: [])])]
        #expect(MenuAction.emails(in: actions).map(\.to) == ["a@x.example", "b@x.example"])
        #expect(MenuAction.render("From {number} ({name}) at {time}", number: "", name: "Ana", time: "10:00") == "From anonymous (Ana) at 10:00")
    }
}
