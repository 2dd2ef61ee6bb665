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
        .library(name: "PalisadeRecords", targets: ["PalisadeRecords"]),
        .library(name: "PalisadeTransport", targets: ["PalisadeTransport"]),
        .library(name: "PalisadeKafka", targets: ["PalisadeKafka"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
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
        // The record schema (protobuf, package palisade.v1) and conversions from the domain types.
        .target(
            name: "PalisadeRecords",
            dependencies: [
                "PalisadeCore",
                "PalisadeDetect",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Sources/PalisadeRecords",
            exclude: ["palisade.proto"],
            swiftSettings: strict
        ),
        // The publish/subscribe API and its in-process implementation (bounded queues).
        .target(
            name: "PalisadeTransport",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            path: "Sources/PalisadeTransport",
            swiftSettings: strict
        ),
        // librdkafka from the system (Debian `librdkafka-dev`); imported only by PalisadeKafka.
        .systemLibrary(
            name: "CRdKafka",
            path: "Sources/CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        // The Kafka implementation of the transport API over librdkafka, plus its mock cluster.
        .target(
            name: "PalisadeKafka",
            dependencies: [
                "CRdKafka",
                "PalisadeTransport",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/PalisadeKafka",
            swiftSettings: strict
        ),
        // Subcommands of the `palisade` binary, as a library so tests can drive them.
        .target(
            name: "PalisadeCLI",
            dependencies: [
                "PalisadeCore",
                "PalisadeDetect",
                "PalisadeTransport",
                "PalisadeKafka",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
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
            name: "PalisadeRecordsTests",
            dependencies: ["PalisadeRecords", "PalisadeCore", "PalisadeDetect"],
            path: "Tests/PalisadeRecordsTests",
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "PalisadeTransportTests",
            dependencies: ["PalisadeTransport", "PalisadeKafka", "PalisadeRecords"],
            path: "Tests/PalisadeTransportTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "PalisadeKafkaTests",
            dependencies: ["PalisadeKafka", "PalisadeTransport"],
            path: "Tests/PalisadeKafkaTests",
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
