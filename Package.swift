// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Chronicle",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "chronicle", targets: ["chronicle"]),
        .library(name: "EventLog", targets: ["EventLog"]),
        .library(name: "Domain", targets: ["Domain"]),
        .library(name: "EventCoding", targets: ["EventCoding"]),
        .library(name: "CommandProcessing", targets: ["CommandProcessing"]),
        .library(name: "SocketAPI", targets: ["SocketAPI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", exact: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", exact: "2.13.0"),
    ],
    targets: [
        // LMDB from Debian's liblmdb-dev; only the LMDB module imports it.
        .systemLibrary(
            name: "CLMDB",
            pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"])]
        ),
        .target(name: "LMDB", dependencies: ["CLMDB"]),
        // JSON values with exact number text, a fast parser/writer and a compact binary form.
        .target(name: "JSON"),
        // The event log: binary records, group commit, indexes, subscriptions, hash chain.
        .target(
            name: "EventLog",
            dependencies: ["LMDB", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // Pure business rules: no I/O, no clock, no LMDB.
        .target(name: "Domain", dependencies: ["JSON"]),
        // Events in domain and JSON terms: payload codec, upcasters, the public JSON form.
        .target(name: "EventCoding", dependencies: ["EventLog", "Domain", "JSON"]),
        .target(name: "CommandProcessing", dependencies: ["EventLog", "EventCoding", "Domain", "JSON"]),
        // The NDJSON socket API on SwiftNIO: framing, authentication, commands, reads, subscriptions.
        .target(
            name: "SocketAPI",
            dependencies: [
                "CommandProcessing", "EventLog", "EventCoding", "JSON", "Domain",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "chronicle",
            dependencies: [
                "EventLog", "Domain", "CommandProcessing", "JSON", "SocketAPI", "EventCoding",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(name: "LMDBTests", dependencies: ["LMDB"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "EventLogTests", dependencies: ["EventLog", "LMDB"]),
        .testTarget(name: "DomainTests", dependencies: ["Domain", "JSON"]),
        .testTarget(
            name: "SocketAPITests",
            dependencies: [
                "SocketAPI", "JSON", "Domain", "CommandProcessing", "EventLog",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        // Starts the real `chronicle` binary on a free loopback port and talks NDJSON to it.
        .testTarget(name: "EndToEndTests", dependencies: ["chronicle", "JSON"]),
        .testTarget(name: "CommandProcessingTests", dependencies: ["CommandProcessing", "EventCoding", "EventLog", "Domain", "JSON"]),
    ]
)
