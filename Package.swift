// swift-tools-version: 6.1
import PackageDescription

/// What a view module may depend on: the runtime and the shared basics, never another view.
let view: [Target.Dependency] = ["ProjectionRuntime", "LMDB", "EventLog", "JSON", "Domain"]

/// Release executables on Linux link the Swift runtime and Foundation statically, as `swift build
/// --static-swift-stdlib` does: a call into the runtime (every retain, release and object allocation)
/// is then a direct call instead of one through the dynamic linker's table — 6–10% less CPU per
/// command (docs/PERFORMANCE-HISTORY.md, session 25). Compiled against the static runtime's modules
/// too, so that the link finds Foundation's own static libraries. Debug builds (the tests') stay
/// dynamic, and link faster.
let staticRuntime = BuildSettingCondition.when(platforms: [.linux], configuration: .release)

let package = Package(
    name: "Chronicle",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "chronicle", targets: ["chronicle"]),
        .library(name: "EventLog", targets: ["EventLog"]),
        .library(name: "JSON", targets: ["JSON"]),
        .library(name: "Domain", targets: ["Domain"]),
        .library(name: "EventCoding", targets: ["EventCoding"]),
        .library(name: "PersonalData", targets: ["PersonalData"]),
        .library(name: "CommandProcessing", targets: ["CommandProcessing"]),
        .library(name: "DemoCompany", targets: ["DemoCompany"]),
        .library(name: "SocketAPI", targets: ["SocketAPI"]),
        .library(name: "ProjectionRuntime", targets: ["ProjectionRuntime"]),
        .library(name: "Views", targets: ["Views"]),
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
        // A string's UTF-8 bytes read through a pointer to it, without copying (retaining) the string.
        .target(name: "StringBytes"),
        // sched_setattr(2) for the reads-only listener's event loop (header only).
        .systemLibrary(name: "CScheduling"),
        // ThreadSanitizer's annotations (header only), for the locks of `make tsan`.
        .systemLibrary(name: "CTSan"),
        // `Lock`: every lock the modules take, a `Mutex` that ThreadSanitizer can see in `make tsan`.
        .target(name: "Locking", dependencies: ["CTSan"]),
        // JSON values with exact number text, a fast parser/writer and a compact binary form.
        .target(name: "JSON"),
        // The event log: binary records, group commit, indexes, subscriptions, hash chain.
        // Every program that links it allocates through jemalloc (libjemalloc-dev), not glibc's malloc:
        // the writer's threads free much of what others allocate, which glibc's arenas serialise.
        .target(
            name: "EventLog",
            dependencies: ["LMDB", "IdHashing", "Locking", "StringBytes", .product(name: "Crypto", package: "swift-crypto")],
            linkerSettings: [.linkedLibrary("jemalloc")]
        ),
        // Tables keyed by ids hashed once (`IdMap`), for the domain's state and the key store.
        .target(name: "IdHashing"),
        // Pure business rules: no I/O, no clock, no LMDB.
        .target(name: "Domain", dependencies: ["JSON", "IdHashing"]),
        // Per-subject keys for personal fields (crypto-shredding), in their own LMDB environment.
        .target(
            name: "PersonalData",
            dependencies: ["LMDB", "JSON", "IdHashing", "Locking", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // Events in domain and JSON terms: payload codec, upcasters, the public JSON form.
        .target(name: "EventCoding", dependencies: ["EventLog", "Domain", "JSON", "PersonalData"]),
        .target(
            name: "CommandProcessing",
            dependencies: ["EventLog", "EventCoding", "Domain", "JSON", "PersonalData", "Locking"]),
        // The demo company: a year of history generated from a seed (pure), and its loader.
        .target(name: "DemoCompany", dependencies: ["CommandProcessing", "Domain", "JSON"], path: "Fixtures/DemoCompany"),
        // Views: the runtime that feeds projectors from the log and keeps `views/`, then one module per view.
        .target(
            name: "ProjectionRuntime", dependencies: ["LMDB", "EventLog", "EventCoding", "JSON", "Domain", "Locking"]),
        .target(name: "Customer360", dependencies: view, path: "Projections/Customer360"),
        .target(name: "SalesFunnel", dependencies: view, path: "Projections/SalesFunnel"),
        .target(name: "ApprovalQueues", dependencies: view, path: "Projections/ApprovalQueues"),
        .target(name: "Inventory", dependencies: view, path: "Projections/Inventory"),
        .target(name: "AuditTrail", dependencies: view, path: "Projections/AuditTrail"),
        // Every projection, and the query API (roles, params, minPosition) the server and the CLI call.
        .target(
            name: "Views",
            dependencies: [
                "ProjectionRuntime", "Customer360", "SalesFunnel", "ApprovalQueues", "Inventory", "AuditTrail",
                "EventLog", "LMDB", "JSON", "Domain",
            ]),
        // The NDJSON socket API on SwiftNIO: framing, authentication, commands, reads, subscriptions.
        .target(
            name: "SocketAPI",
            dependencies: [
                "CScheduling", "CommandProcessing", "EventLog", "EventCoding", "JSON", "Domain", "PersonalData",
                "Locking", "StringBytes",
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
                "EventLog", "Domain", "CommandProcessing", "JSON", "DemoCompany", "ProjectionRuntime", "Views",
                "SocketAPI", "EventCoding", "PersonalData", "Locking",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: [.unsafeFlags(["-static-stdlib"], staticRuntime)],
            linkerSettings: [.unsafeFlags(["-static-stdlib"], staticRuntime)]
        ),
        .testTarget(name: "LMDBTests", dependencies: ["LMDB"]),
        // CLITests and EndToEndTests run the `chronicle` binary that `swift build --build-tests` (or
        // `swift test`) builds beside them; they do not depend on its target, whose release link
        // settings (the static runtime) would otherwise apply to the test bundle too and break
        // `swift test -c release`.
        .testTarget(name: "CLITests", dependencies: ["EventCoding", "EventLog", "JSON"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON", "DemoCompany"]),
        .testTarget(name: "EventLogTests", dependencies: ["EventLog", "LMDB", "Locking"]),
        .testTarget(name: "LockingTests", dependencies: ["Locking"]),
        .testTarget(name: "StringBytesTests", dependencies: ["StringBytes"]),
        .testTarget(name: "DomainTests", dependencies: ["Domain", "IdHashing", "JSON", "DemoCompany"]),
        .testTarget(
            name: "CommandProcessingTests",
            dependencies: [
                "CommandProcessing", "EventCoding", "EventLog", "Domain", "JSON", "PersonalData", "LMDB", "Locking",
            ]
        ),
        // The demo company's generator and the hand-checked scenarios of Fixtures/Scenarios, on real LMDB.
        .testTarget(
            name: "FixturesTests",
            dependencies: ["DemoCompany", "CommandProcessing", "EventCoding", "EventLog", "Domain", "JSON"]
        ),
        .testTarget(
            name: "ProjectionsTests",
            dependencies: [
                "Views", "ProjectionRuntime", "Customer360", "CommandProcessing", "EventCoding",
                "EventLog", "LMDB", "Domain", "JSON", "PersonalData", "DemoCompany", "Locking",
            ]),
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
        .testTarget(name: "EndToEndTests", dependencies: ["JSON", "Locking"]),
    ]
)
