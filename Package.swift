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
        .library(name: "PalisadePolicy", targets: ["PalisadePolicy"]),
        .library(name: "PalisadeRecords", targets: ["PalisadeRecords"]),
        .library(name: "PalisadeTransport", targets: ["PalisadeTransport"]),
        .library(name: "PalisadeKafka", targets: ["PalisadeKafka"]),
        .library(name: "PalisadeRuntime", targets: ["PalisadeRuntime"]),
        .library(name: "PalisadeLearn", targets: ["PalisadeLearn"]),
        .library(name: "AggregatorService", targets: ["AggregatorService"]),
        .library(name: "WorkerService", targets: ["WorkerService"]),
        .library(name: "MirrorService", targets: ["MirrorService"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1", traits: []),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
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
        // What every role process shares: layered config, JSON logs, Prometheus metrics, health
        // and readiness, bearer-token auth, TLS listeners, graceful shutdown.
        .target(
            name: "PalisadeRuntime",
            dependencies: [
                "PalisadeCore",
                "PalisadeTransport",
                "PalisadeKafka",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
            ],
            path: "Sources/PalisadeRuntime",
            swiftSettings: strict
        ),
        // The aggregator's judgement: behaviour over sliding windows, declarative policy, and the
        // versioned decision store the gateway long-polls. Pure, synchronous, no I/O, no clocks.
        .target(
            name: "PalisadePolicy",
            dependencies: ["PalisadeCore", "PalisadeDetect", .product(name: "Yams", package: "Yams")],
            path: "Sources/PalisadePolicy",
            swiftSettings: strict
        ),
        // API discovery, per-endpoint statistics and baselines, baseline scoring, OpenAPI 3.1.
        // Pure, synchronous, no I/O, no clocks.
        .target(
            name: "PalisadeLearn",
            dependencies: ["PalisadeCore", "PalisadeDetect", .product(name: "Yams", package: "Yams")],
            path: "Sources/PalisadeLearn",
            swiftSettings: strict
        ),
        // The record schema (protobuf, package palisade.v1) and conversions from the domain types.
        .target(
            name: "PalisadeRecords",
            dependencies: [
                "PalisadeCore",
                "PalisadeDetect",
                "PalisadeLearn",
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
        // The mirror role: the tap's landing point (capture batches and raw mirrored requests in,
        // `palisade.requests` out). Not named `Mirror`: that shadows the standard library's type.
        .target(
            name: "MirrorService",
            dependencies: [
                "PalisadeCore",
                "PalisadePolicy",
                "PalisadeRecords",
                "PalisadeRuntime",
                "PalisadeTransport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Sources/Mirror",
            exclude: ["README.md"],
            swiftSettings: strict
        ),
        // The aggregator role: consumes verdicts and observations, learns the API, judges behaviour,
        // stores state in SQLite and serves decisions (long-poll) and its HTTP API.
        .target(
            name: "AggregatorService",
            dependencies: [
                "PalisadeCore",
                "PalisadeDetect",
                "PalisadePolicy",
                "PalisadeLearn",
                "PalisadeRecords",
                "PalisadeTransport",
                "PalisadeKafka",
                "PalisadeRuntime",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Sources/Aggregator",
            exclude: ["README.md"],
            swiftSettings: strict
        ),
        // The worker role: consumes palisade.requests, publishes verdicts and observations.
        .target(
            name: "WorkerService",
            dependencies: [
                "PalisadeCore",
                "PalisadeDetect",
                "PalisadeLearn",
                "PalisadePolicy",
                "PalisadeRecords",
                "PalisadeTransport",
                "PalisadeRuntime",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Sources/Worker",
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
                "PalisadeRuntime",
                "PalisadeRecords",
                "MirrorService",
                "AggregatorService",
                "WorkerService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
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
            exclude: ["Corpus"],  // read through #filePath by the corpus runner
            swiftSettings: strict
        ),
        .testTarget(
            name: "PalisadeRuntimeTests",
            dependencies: [
                "PalisadeRuntime",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Tests/PalisadeRuntimeTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "PalisadePolicyTests",
            dependencies: ["PalisadePolicy", "PalisadeCore", "PalisadeDetect"],
            path: "Tests/PalisadePolicyTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "PalisadeRecordsTests",
            dependencies: ["PalisadeRecords", "PalisadeCore", "PalisadeDetect", "PalisadeLearn"],
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
            name: "PalisadeLearnTests",
            dependencies: ["PalisadeLearn", "PalisadeCore", "PalisadeDetect"],
            path: "Tests/PalisadeLearnTests",
            exclude: ["Fixtures"],  // read through #filePath by WireFormatTests
            swiftSettings: strict
        ),
        .testTarget(
            name: "MirrorServiceTests",
            dependencies: [
                "MirrorService",
                "PalisadeCLI",
                "PalisadeCore",
                "PalisadePolicy",
                "PalisadeRuntime",
                "PalisadeRecords",
                "PalisadeTransport",
                "PalisadeKafka",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/MirrorServiceTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "AggregatorServiceTests",
            dependencies: [
                "AggregatorService",
                "PalisadeCLI",
                "PalisadePolicy",
                "PalisadeLearn",
                "PalisadeRecords",
                "PalisadeTransport",
                "PalisadeKafka",
                "PalisadeRuntime",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/AggregatorServiceTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "WorkerServiceTests",
            dependencies: [
                "WorkerService",
                "PalisadeCore",
                "PalisadeDetect",
                "PalisadeLearn",
                "PalisadeRecords",
                "PalisadeRuntime",
                "PalisadeTransport",
                "PalisadeKafka",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/WorkerServiceTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "PalisadeCLITests",
            dependencies: [
                "PalisadeCLI", "PalisadeCore", "PalisadeRecords", "PalisadeRuntime", "PalisadeTransport",
                "PalisadeKafka", "WorkerService", "AggregatorService",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/PalisadeCLITests",
            swiftSettings: strict
        ),
    ]
)
