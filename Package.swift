// swift-tools-version: 6.2
import PackageDescription

/// Settings every Palisade target shares: Swift 6 mode and no warnings.
let strict: [SwiftSetting] = [
    .treatAllWarnings(as: .error)
]

let package = Package(
    name: "palisade",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "palisade", targets: ["palisade"]),
        .library(name: "PalisadeCore", targets: ["PalisadeCore"]),
        .library(name: "PalisadeDetect", targets: ["PalisadeDetect"]),
        .library(name: "PalisadeLearn", targets: ["PalisadeLearn"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
    ],
    targets: [
        // zlib from the system (Debian `zlib1g-dev`), for gzip/deflate decoding.
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // The detection core: request model, decode layer. Pure, synchronous, no I/O, no logging.
        .target(
            name: "PalisadeCore",
            dependencies: ["CZlib"],
            path: "Sources/PalisadeCore",
            swiftSettings: strict
        ),
        // Detectors and scoring over decoded points. Pure, synchronous, no I/O.
        .target(
            name: "PalisadeDetect",
            dependencies: ["PalisadeCore"],
            path: "Sources/PalisadeDetect",
            swiftSettings: strict
        ),
        // Learning: API discovery, per-endpoint baselines, baseline scoring, OpenAPI export/compare.
        // Pure, synchronous, no I/O; time is passed in. Yams only parses uploaded YAML specs.
        .target(
            name: "PalisadeLearn",
            dependencies: ["PalisadeCore", "PalisadeDetect", .product(name: "Yams", package: "Yams")],
            path: "Sources/PalisadeLearn",
            swiftSettings: strict
        ),
        // Subcommands of the `palisade` binary, as a library so tests can drive them.
        .target(
            name: "PalisadeCLI",
            dependencies: [
                "PalisadeCore",
                "PalisadeDetect",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/PalisadeCLI",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "palisade",
            dependencies: ["PalisadeCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/palisade",
            swiftSettings: strict
        ),
        .testTarget(
            name: "PalisadeCoreTests",
            dependencies: ["PalisadeCore"],
            path: "Tests/PalisadeCoreTests",
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "PalisadeDetectTests",
            dependencies: ["PalisadeDetect"],
            path: "Tests/PalisadeDetectTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "PalisadeLearnTests",
            dependencies: ["PalisadeLearn", "PalisadeCore", "PalisadeDetect"],
            path: "Tests/PalisadeLearnTests",
            exclude: ["Fixtures"],  // read through #filePath by WireFormatTests
            swiftSettings: strict
        ),
        .testTarget(
            name: "PalisadeCLITests",
            dependencies: ["PalisadeCLI", "PalisadeCore"],
            path: "Tests/PalisadeCLITests",
            swiftSettings: strict
        ),
    ]
)
