// swift-tools-version: 6.0
//
// ByteLens: interpretability toolkit for byte-level language models (Byte Latent Transformers).
// One module per concern; one test target per module. See README.md for the map.
import PackageDescription

// No target passes unsafe compiler flags: SwiftPM refuses those in any package that is a versioned dependency, so
// ByteLens could not be used with `.package(url:from:)`. The per-item libraries therefore build at -Onone
// in debug builds; run studies, benchmarks and the test suite with `-c release` (README, .ci/test), where
// everything is optimised.

let package = Package(
    name: "ByteLens",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "probe", targets: ["probe"]),
        .library(name: "ModelCore", targets: ["ModelCore"]),
        .library(name: "BLTModel", targets: ["BLTModel"]),
        .library(name: "ByteTransformer", targets: ["ByteTransformer"]),
        .library(name: "Metrics", targets: ["Metrics"]),
        .library(name: "Statistics", targets: ["Statistics"]),
        .library(name: "Ladders", targets: ["Ladders"]),
        .library(name: "HDF5Store", targets: ["HDF5Store"]),
        .library(name: "Plotting", targets: ["Plotting"]),
        .library(name: "Probing", targets: ["Probing"]),
    ],
    dependencies: [
        // Used only by the CLI (ProbeCLI, probe); see README "Using ByteLens as a dependency" for what a
        // library-only consumer resolves.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // `swift package generate-documentation --target BLTModel` (DocC catalogs in each module).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
    ],
    targets: [
        // MARK: System-library shims (Debian -dev packages, installed by .ci/setup)
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),
        // Vector figures (SVG, PDF) with real fonts; PNG files still go out through libpng.
        .systemLibrary(name: "CCairo", pkgConfig: "cairo", providers: [.apt(["libcairo2-dev"])]),

        // MARK: Numerics and the model
        // Element-wise loops in C with per-ISA clones (AVX-512 / AVX2 / baseline).
        .target(name: "CKernels"),
        .target(name: "Kernels", dependencies: ["CDNNL", "CKernels", "Parallelism"]),
        // What every byte-level model shares: checkpoints, weights, hook machinery, transformer blocks,
        // and the ByteLevelModel protocol Probing runs studies through.
        .target(name: "ModelCore", dependencies: ["Kernels", "Metrics", "Randomness"]),
        // A plain causal byte-level transformer (a BLT's entropy model on its own, or any such checkpoint).
        .target(name: "ByteTransformer", dependencies: ["ModelCore", "Kernels"]),
        .target(name: "BLTModel", dependencies: ["ModelCore", "ByteTransformer", "Kernels"]),

        // MARK: Study components (plain arrays in, plain arrays out)
        // The one seeded generator (ladder items, resamples, random-initialised weights).
        .target(name: "Randomness"),
        // The one lock, first-error box and ordered parallel map (kernels, study items, statistics rows).
        .target(name: "Parallelism"),
        .target(name: "Ladders", dependencies: ["Randomness"]),
        .target(name: "Metrics", dependencies: ["CKernels"]),
        .target(name: "Statistics", dependencies: ["Randomness", "Parallelism", "CKernels"]),
        .target(name: "HDF5Store", dependencies: ["CHDF5"]),
        .target(name: "Plotting", dependencies: ["CPNG", "CCairo"]),

        // MARK: Study runner and CLI
        .target(name: "Probing", dependencies: [
            "ModelCore", "ByteTransformer", "BLTModel", "Parallelism", "Kernels", "Ladders", "Metrics", "Statistics", "HDF5Store", "Plotting",
        ]),
        .target(name: "ProbeCLI", dependencies: [
            "Probing", "BLTModel", "Ladders", "Metrics", "Statistics", "HDF5Store", "Plotting", "Parallelism", "CKernels",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "probe", dependencies: ["ProbeCLI"]),

        // MARK: Fuzzing (Tests/Fuzz/run.sh builds it with --sanitize=fuzzer; a plain build replays inputs)
        .executableTarget(name: "bytelens-fuzz", dependencies: ["BLTModel", "HDF5Store", "Ladders", "Probing"],
                          path: "Tests/Fuzz/Sources/bytelens-fuzz"),

        // MARK: Tests, one bundle per module
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "CKernels"]),
        .testTarget(name: "ModelCoreTests", dependencies: ["ModelCore"]),
        .testTarget(name: "ByteTransformerTests", dependencies: ["ByteTransformer", "BLTModel"]),
        .testTarget(name: "BLTModelTests", dependencies: ["BLTModel", "ModelCore", "Kernels"], resources: [.copy("Fixtures")]),
        .testTarget(name: "RandomnessTests", dependencies: ["Randomness"]),
        .testTarget(name: "ParallelismTests", dependencies: ["Parallelism"]),
        .testTarget(name: "LaddersTests", dependencies: ["Ladders"]),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics"], resources: [.copy("Fixtures")]),
        .testTarget(name: "StatisticsTests", dependencies: ["Statistics"], resources: [.copy("Fixtures")]),
        .testTarget(name: "HDF5StoreTests", dependencies: ["HDF5Store", "Parallelism"], exclude: ["SchemaV1"]),
        .testTarget(name: "PlottingTests", dependencies: ["Plotting", "Statistics"], resources: [.copy("Golden")]),
        .testTarget(name: "ProbingTests", dependencies: ["Probing"]),
        .testTarget(name: "ProbeCLITests", dependencies: ["ProbeCLI"]),
    ],
    swiftLanguageModes: [.v6]
)
