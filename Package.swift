// swift-tools-version: 6.0
//
// ByteLens: interpretability toolkit for byte-level language models (Byte Latent Transformers).
// One module per concern; one test target per module. See README.md for the map.
import PackageDescription

/// Every library that does per-item work (numerics, the model, metrics, statistics, HDF5 writing, plotting,
/// the study runner) is compiled optimised even in debug builds, so that `swift run probe` and `swift test`
/// run at full speed without `-c release` (an `ood` study: 23 s → 17 s).
let optimised: [SwiftSetting] = [.unsafeFlags(["-O", "-enforce-exclusivity=unchecked"])]

let package = Package(
    name: "ByteLens",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "probe", targets: ["probe"]),
        .library(name: "BLTModel", targets: ["BLTModel"]),
        .library(name: "HDF5Store", targets: ["HDF5Store"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: System-library shims (Debian -dev packages, installed by .ci/setup)
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),

        // MARK: Numerics and the model
        // Element-wise loops in C with per-ISA clones (AVX-512 / AVX2 / baseline), always optimised.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])]),
        .target(name: "Kernels", dependencies: ["CDNNL", "CKernels"], swiftSettings: optimised),
        .target(name: "BLTModel", dependencies: ["Kernels"], swiftSettings: optimised),

        // MARK: Study components (plain arrays in, plain arrays out)
        .target(name: "Ladders", swiftSettings: optimised),
        .target(name: "Metrics", dependencies: ["CKernels"], swiftSettings: optimised),
        .target(name: "Statistics", swiftSettings: optimised),
        .target(name: "HDF5Store", dependencies: ["CHDF5"], swiftSettings: optimised),
        .target(name: "Plotting", dependencies: ["CPNG"], swiftSettings: optimised),

        // MARK: Study runner and CLI
        .target(name: "Probing", dependencies: [
            "BLTModel", "Kernels", "Ladders", "Metrics", "Statistics", "HDF5Store", "Plotting",
        ], swiftSettings: optimised),
        .target(name: "ProbeCLI", dependencies: [
            "Probing", "BLTModel", "Ladders", "Metrics", "Statistics", "HDF5Store", "Plotting",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "probe", dependencies: ["ProbeCLI"]),

        // MARK: Fuzzing (Tests/Fuzz/run.sh builds it with --sanitize=fuzzer; a plain build replays inputs)
        .executableTarget(name: "bytelens-fuzz", dependencies: ["BLTModel", "HDF5Store", "Ladders", "Probing"],
                          path: "Tests/Fuzz/Sources/bytelens-fuzz"),

        // MARK: Tests, one bundle per module
        .testTarget(name: "KernelsTests", dependencies: ["Kernels"]),
        .testTarget(name: "BLTModelTests", dependencies: ["BLTModel"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LaddersTests", dependencies: ["Ladders"]),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics"], resources: [.copy("Fixtures")]),
        .testTarget(name: "StatisticsTests", dependencies: ["Statistics"], resources: [.copy("Fixtures")]),
        .testTarget(name: "HDF5StoreTests", dependencies: ["HDF5Store"]),
        .testTarget(name: "PlottingTests", dependencies: ["Plotting"], resources: [.copy("Golden")]),
        .testTarget(name: "ProbingTests", dependencies: ["Probing"]),
        .testTarget(name: "ProbeCLITests", dependencies: ["ProbeCLI"]),
    ],
    swiftLanguageModes: [.v6]
)
