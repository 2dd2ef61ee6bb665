// swift-tools-version: 6.2
// Benchmarks live in their own package, apart from the test suite, so the main build graph stays
// light (STYLE 19). See BENCHMARKS.md for the commands and results.
import PackageDescription

let package = Package(
    name: "palisade-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // Named explicitly: a path dependency is otherwise known by its directory name.
        .package(name: "palisade", path: ".."),
        .package(url: "https://github.com/ordo-one/malloc-interposer", exact: "1.6.1"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
    ],
    targets: [
        // The synthetic mixed API traffic DecodeBench and WorkerBench share.
        .target(
            name: "BenchTraffic",
            dependencies: [.product(name: "PalisadeCore", package: "palisade")],
            path: "Sources/BenchTraffic"
        ),
        // Decode/analyze throughput, latency and allocations per request (scripts/bench.sh).
        .executableTarget(
            name: "DecodeBench",
            dependencies: [
                "BenchTraffic",
                .product(name: "PalisadeDetect", package: "palisade"),
                .product(name: "MallocInterposerSwift", package: "malloc-interposer"),
            ],
            path: "Sources/DecodeBench"
        ),
        // Produce/consume rates through the in-process transport and the mock Kafka cluster.
        .executableTarget(
            name: "TransportBenchmark",
            dependencies: [
                .product(name: "PalisadeTransport", package: "palisade"),
                .product(name: "PalisadeKafka", package: "palisade"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/TransportBenchmark",
            swiftSettings: [.treatAllWarnings(as: .error)]
        ),
        // Aggregator: verdicts/s absorbed, catalog memory for 10,000 endpoints × 20 parameters,
        // verdict → long-poll decision latency.
        .executableTarget(
            name: "AggregatorBench",
            dependencies: [
                .product(name: "AggregatorService", package: "palisade"),
                .product(name: "PalisadeLearn", package: "palisade"),
                .product(name: "PalisadePolicy", package: "palisade"),
                .product(name: "PalisadeTransport", package: "palisade"),
                .product(name: "PalisadeDetect", package: "palisade"),
                .product(name: "PalisadeRuntime", package: "palisade"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/AggregatorBench",
        ),
        // Mirror: capture lines parsed and encoded per second, the general parser against the
        // single-pass reader, in one run.
        .executableTarget(
            name: "MirrorParseBench",
            dependencies: [
                .product(name: "MirrorService", package: "palisade"),
                .product(name: "PalisadeCore", package: "palisade"),
                .product(name: "PalisadeRecords", package: "palisade"),
            ],
            path: "Sources/MirrorParseBench",
            swiftSettings: [.treatAllWarnings(as: .error)]
        ),
        // Worker records/s, Kafka in and out (mock cluster), and 1 → 2 worker scaling.
        .executableTarget(
            name: "WorkerBench",
            dependencies: [
                "BenchTraffic",
                .product(name: "WorkerService", package: "palisade"),
                .product(name: "PalisadeKafka", package: "palisade"),
                .product(name: "PalisadeRecords", package: "palisade"),
                .product(name: "PalisadeRuntime", package: "palisade"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/WorkerBench",
            swiftSettings: [.treatAllWarnings(as: .error)]
        ),
    ]
)
