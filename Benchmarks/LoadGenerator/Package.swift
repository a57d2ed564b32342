// swift-tools-version: 6.1
import PackageDescription

/// Release executables on Linux link the Swift runtime and Foundation statically, as `swift build
/// --static-swift-stdlib` does: a call into the runtime (every retain, release and object allocation)
/// is then a direct call instead of one through the dynamic linker's table — 6–10% less CPU per
/// command (docs/PERFORMANCE-HISTORY.md, session 25). Compiled against the static runtime's modules
/// too, so that the link finds Foundation's own static libraries. Debug builds (the tests') stay
/// dynamic, and link faster.
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
