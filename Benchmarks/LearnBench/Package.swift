// swift-tools-version: 6.2
// Baseline-scoring benchmark, apart from the main build graph like ../Package.swift.
// Usage: scripts in docs/LEARNING.md ("Benchmark").
import PackageDescription

let package = Package(
    name: "palisade-learn-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../.."),
        .package(url: "https://github.com/ordo-one/malloc-interposer", exact: "1.6.1"),
    ],
    targets: [
        .executableTarget(
            name: "LearnBench",
            dependencies: [
                .product(name: "PalisadeLearn", package: "palisade"),
                .product(name: "MallocInterposerSwift", package: "malloc-interposer"),
            ],
            path: "Sources/LearnBench"
        )
    ]
)
