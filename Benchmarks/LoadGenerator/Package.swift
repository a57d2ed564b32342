// swift-tools-version: 6.1
import PackageDescription

/// Release executables on Linux link the Swift runtime statically, for the reasons the root
/// Package.swift gives (a manifest cannot share code with another package's).
let staticRuntime = BuildSettingCondition.when(platforms: [.linux], configuration: .release)

// The socket load generator, a package of its own so neither the root build nor the benchmark
// package (ordo-one/benchmark) carries its dependencies:
//   swift run -c release --package-path Benchmarks/LoadGenerator loadgen run --token T
let package = Package(
    name: "LoadGenerator",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
    ],
    targets: [
        .executableTarget(
            name: "loadgen",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: [.unsafeFlags(["-static-stdlib"], staticRuntime)],
            linkerSettings: [.unsafeFlags(["-static-stdlib"], staticRuntime)]
        ),
        // `swift test --package-path Benchmarks/LoadGenerator` (or `make test-loadgen`): the request lines it sends.
        .testTarget(name: "loadgenTests", dependencies: ["loadgen"]),
    ]
)
