// swift-tools-version: 6.1
// The benchmark package: nested so that the root build stays lean (ordo-one/benchmark and its
// dependencies are only resolved here). Run from this directory:
//
//   swift package --disable-sandbox benchmark            # the ordo-one/benchmark suite
//   swift run -c release LogBench --events 10000000      # the large-population run (see README.md)
//   swift run -c release ViewsBench --log DATA/log       # rebuilds and as-of replays of every view
import PackageDescription

/// Release executables on Linux link the Swift runtime statically, for the reasons the root
/// Package.swift gives (a manifest cannot share code with another package's).
let staticRuntime = BuildSettingCondition.when(platforms: [.linux], configuration: .release)

let package = Package(
    name: "ChronicleBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Chronicle", path: ".."),
        // Default traits also enable RuntimeInterposer, whose package is not in the local mirror.
        .package(url: "https://github.com/ordo-one/benchmark.git", exact: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // The benchmark workload (streams, tags, payloads) shared by both runners.
        .target(
            name: "BenchSupport",
            dependencies: [.product(name: "EventLog", package: "Chronicle")],
            path: "Sources/BenchSupport"
        ),
        // ordo-one/benchmark suites: Benchmarks/<Name>/<Name>.swift.
        .executableTarget(
            name: "EventLogBenchmarks",
            dependencies: [
                "BenchSupport",
                .product(name: "EventLog", package: "Chronicle"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/EventLogBenchmarks",
            swiftSettings: [.unsafeFlags(["-static-stdlib"], staticRuntime)],
            linkerSettings: [.unsafeFlags(["-static-stdlib"], staticRuntime)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Durable throughput through the command processor, N concurrent submitters.
        .executableTarget(
            name: "CommandBench",
            dependencies: [
                "BenchSupport", .product(name: "CommandProcessing", package: "Chronicle"), .product(name: "Domain", package: "Chronicle"),
                .product(name: "EventLog", package: "Chronicle"), .product(name: "JSON", package: "Chronicle"),
            ],
            path: "Sources/CommandBench",
            swiftSettings: [.unsafeFlags(["-static-stdlib"], staticRuntime)],
            linkerSettings: [.unsafeFlags(["-static-stdlib"], staticRuntime)]
        ),
        // The round trip of one cache line between the two cores (what shared reference counts pay).
        .executableTarget(
            name: "CoreHandoff",
            path: "Sources/CoreHandoff",
            swiftSettings: [.unsafeFlags(["-static-stdlib"], staticRuntime)],
            linkerSettings: [.unsafeFlags(["-static-stdlib"], staticRuntime)]
        ),
        // Rebuilds and as-of replays of every view from an existing log (the 10 M demo).
        .executableTarget(
            name: "ViewsBench",
            dependencies: [
                "BenchSupport", .product(name: "EventLog", package: "Chronicle"),
                .product(name: "ProjectionRuntime", package: "Chronicle"), .product(name: "Views", package: "Chronicle"),
            ],
            path: "Sources/ViewsBench",
            swiftSettings: [.unsafeFlags(["-static-stdlib"], staticRuntime)],
            linkerSettings: [.unsafeFlags(["-static-stdlib"], staticRuntime)]
        ),
        // A plain executable for populations too large for the benchmark driver (10 M events).
        .executableTarget(
            name: "LogBench",
            dependencies: ["BenchSupport", .product(name: "EventLog", package: "Chronicle")],
            path: "Sources/LogBench",
            swiftSettings: [.unsafeFlags(["-static-stdlib"], staticRuntime)],
            linkerSettings: [.unsafeFlags(["-static-stdlib"], staticRuntime)]
        ),
    ]
)
