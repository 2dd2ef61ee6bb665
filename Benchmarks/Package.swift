// swift-tools-version: 6.2
// Benchmarks live in their own package so the main build graph stays light (STYLE 19).
// Run: swift run -c release --package-path Benchmarks TransportBenchmark
import PackageDescription

let package = Package(
    name: "palisade-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "palisade", path: ".."),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
    ],
    targets: [
        .executableTarget(
            name: "TransportBenchmark",
            dependencies: [
                .product(name: "PalisadeTransport", package: "palisade"),
                .product(name: "PalisadeKafka", package: "palisade"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/TransportBenchmark",
            swiftSettings: [.treatAllWarnings(as: .error)]
        )
    ]
)
