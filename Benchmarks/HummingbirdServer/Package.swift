// swift-tools-version:6.0
// The comparison server for Benchmarks/run.sh only: the same small JSON route on
// Hummingbird 2 (SwiftNIO). The product itself never depends on it.
import PackageDescription

let package = Package(
    name: "HummingbirdServer",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.0.0"),
    ],
    targets: [
        .executableTarget(name: "HummingbirdServer", dependencies: [.product(name: "Hummingbird", package: "hummingbird")]),
    ]
)
