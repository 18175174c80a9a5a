import Testing
@testable import Telephony

/// Server-side request forgery stopped when an HTTP notification or name lookup is saved.
@Suite struct OutboundURLTests {
    static let refused = [
        "http://127.0.0.1:8090/", "http://127.0.0.1/x", "http://localhost:5432/", "http://LOCALHOST/", "http://localhost./",
        "http://169.254.169.254/latest/meta-data/", "http://10.0.0.5/", "http://172.16.0.1/", "http://172.31.255.255/",
        "http://192.168.1.1/", "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://0x7f000001/", "http://2130706433/",
        "http://0177.0.0.1/", "http://127.1/", "http://0/", "http://0.0.0.0/", "http://user@127.0.0.1/", "http://crm.example.com@127.0.0.1/",
        "http://a:b@crm.example.com/", "http://100.64.0.1/", "http://crm.example.com:5432/", "http://crm.example.com:22/",
        "http://crm.example.com:8090/", "http://crm.example.com:0/", "http://crm.example.com:99999/", "http://%31%32%37.0.0.1/",
        "http://printer.local/", "http://db.internal/", "http://intranet/", "ftp://crm.example.com/", "gopher://127.0.0.1/",
        "http://crm.example.com\\@127.0.0.1/", "http://224.0.0.1/", "http://255.255.255.255/", "http://198.18.0.1/", "http://1.2.3.4.5/",
        "http://999.1.1.1/", "http://example.123/",
    ]
    static let accepted = [
        "https://crm.example.com/hook?from={number}", "http://crm.example.com:8080/name/{number}", "https://8.8.8.8/x",
        "https://api.example.org./lookup?n={number}", "http://93.184.216.34:443/", "https://CRM.Example.COM/",
    ]

    @Test(arguments: refused) func privateLoopbackAndDisguisedHostsAreRefused(_ url: String) {
        #expect(OutboundURL.problem(url) != nil, "\(url)")
        #expect(!MenuAction.problems([.lookupName(url: url + "{number}", timeoutSeconds: 3)], path: "actions").isEmpty)
    }

    @Test(arguments: accepted) func publicHostsAreAccepted(_ url: String) {
        #expect(OutboundURL.problem(url) == nil, "\(url): \(OutboundURL.problem(url) ?? "")")
    }

    @Test func theProblemNamesTheURLField() {
        let problems = MenuAction.problems([.play(soundId: "system:welcome"),
                                            .httpNotification(url: "http://127.0.0.1:8090/", timeoutSeconds: 3, branches: [], otherwise: [])],
                                           path: "actions")
        #expect(problems.map(\.field) == ["actions[1].url"])
    }
}
