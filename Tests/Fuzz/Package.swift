// swift-tools-version: 6.1
// libFuzzer targets, built with `-sanitize=fuzzer` (see `make fuzz`). Kept out of the root build.
import PackageDescription

let package = Package(
    name: "ChronicleFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "Chronicle", path: "../..")],
    targets: [
        .executableTarget(
            name: "FuzzRequest", dependencies: [.product(name: "JSON", package: "Chronicle")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(
            name: "FuzzCommand",
            dependencies: [
                .product(name: "Domain", package: "Chronicle"), .product(name: "JSON", package: "Chronicle"),
            ],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(
            name: "FuzzRecord",
            dependencies: [
                .product(name: "EventLog", package: "Chronicle"), .product(name: "JSON", package: "Chronicle"),
            ],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
    ]
)
