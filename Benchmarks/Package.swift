// swift-tools-version: 6.2
// Benchmarks live apart from the test suite and the main build graph. See BENCHMARKS.md.
import PackageDescription

let package = Package(
    name: "palisade-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // Named explicitly: a path dependency is otherwise known by its directory name.
        .package(name: "palisade", path: ".."),
        .package(url: "https://github.com/ordo-one/malloc-interposer", exact: "1.6.1"),
    ],
    targets: [
        .executableTarget(
            name: "DecodeBench",
            dependencies: [
                .product(name: "PalisadeDetect", package: "palisade"),
                .product(name: "MallocInterposerSwift", package: "malloc-interposer"),
            ],
            path: "Sources/DecodeBench"
        )
    ]
)
