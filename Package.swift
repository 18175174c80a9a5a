// swift-tools-version:6.0
import PackageDescription

/// Every target gets the same settings: Swift 6 language mode (strict concurrency) plus
/// upcoming features that keep the code explicit.
let commonSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

func target(_ name: String, dependencies: [Target.Dependency] = []) -> Target {
    .target(name: name, dependencies: dependencies, swiftSettings: commonSettings)
}

let package = Package(
    name: "centralita",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "centralita", targets: ["centralita"]),
        .executable(name: "centralita-media-agent", targets: ["centralita-media-agent"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        // Property-based tests of the dial-plan compiler (test target only).
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CLinux"),
        target("EventLoops", dependencies: ["CLinux"]),
        target("HTTPServer", dependencies: [
            "CZlib", "CLinux", "EventLoops",
            .product(name: "Logging", package: "swift-log"),
        ]),
        target("Postgres", dependencies: [
            "CLibPQ", "COpenSSL", "EventLoops",
            .product(name: "Logging", package: "swift-log"),
        ]),
        target("Telephony"),
        target("PropertyTesting"),
        target("Dialplan", dependencies: ["Telephony"]),
        target("MediaProtocol", dependencies: ["COpenSSL"]),
        target("ProcessLauncher", dependencies: ["HTTPServer"]),
        target("MediaAgent", dependencies: [
            "MediaProtocol", "HTTPServer", "CLinux", "ProcessLauncher",
            .product(name: "Logging", package: "swift-log"),
        ]),
        target("Portal", dependencies: [
            "Telephony", "Dialplan", "MediaProtocol",
            "HTTPServer", "Postgres", "COpenSSL", "EventLoops",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(
            name: "centralita",
            dependencies: [
                "Portal", "Postgres", "HTTPServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: commonSettings
        ),
        .executableTarget(
            name: "centralita-media-agent",
            dependencies: [
                "MediaAgent", "HTTPServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: commonSettings
        ),
        // libFuzzer targets (`make fuzz`, scripts/fuzz.sh builds them with -sanitize=fuzzer -D FUZZING);
        // in an ordinary build they replay the inputs named on their command line.
        .executableTarget(name: "FuzzHTTPParser", dependencies: ["HTTPServer"], swiftSettings: commonSettings),
        .executableTarget(name: "FuzzJSONRequests", dependencies: ["Portal"], swiftSettings: commonSettings),
        .target(name: "LargeTenant", dependencies: ["Dialplan", "Telephony"], path: "Benchmarks/LargeTenant", swiftSettings: commonSettings),
        .executableTarget(name: "dialplan-bench", dependencies: ["Dialplan", "Telephony", "LargeTenant"], path: "Benchmarks/DialplanBenchmark",
                          swiftSettings: commonSettings),
        target("TestSupport", dependencies: [
            "HTTPServer", "ProcessLauncher", "Postgres", "Portal", "MediaAgent",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "EventLoops", "TestSupport", "PropertyTesting"], swiftSettings: commonSettings),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "TestSupport", "EventLoops"], swiftSettings: commonSettings),
        .testTarget(name: "TelephonyTests", dependencies: ["Telephony", "PropertyTesting"], swiftSettings: commonSettings),
        .testTarget(name: "DialplanTests", dependencies: ["Dialplan", "Telephony", "PropertyTesting", .product(name: "PropertyBased", package: "swift-property-based")],
                    exclude: ["Golden"], swiftSettings: commonSettings),
        .testTarget(name: "PortalTests", dependencies: ["Portal", "TestSupport", "HTTPServer", "Postgres", "Dialplan", "MediaProtocol", "Telephony", "PropertyTesting"], swiftSettings: commonSettings),
        // The telephony conformance suite: bundles loaded into a real Asterisk 22, calls placed by
        // SIPp phones and carriers, Asterisk's path compared with the simulator's trace.
        .testTarget(name: "AsteriskConformanceTests",
                    dependencies: ["Dialplan", "Telephony", "TestSupport", "LargeTenant", "MediaAgent", "MediaProtocol", "HTTPServer", "Portal"],
                    exclude: ["SIPp"], swiftSettings: commonSettings),
        .testTarget(name: "MediaAgentTests", dependencies: ["MediaAgent", "MediaProtocol", "HTTPServer", "TestSupport"], swiftSettings: commonSettings),
    ]
)
