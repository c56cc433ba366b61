import ArgumentParser
import Foundation
import Probing

/// `probe compare RUN.h5…`: the same study on several models, side by side (COMPARE.md).
struct Compare: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare finished runs of the same study on different models, side by side (COMPARE.md).",
        discussion: """
        The runs must hold the same items (same dataset manifest) and the same study settings apart from \
        the model; primary hooks are matched by component. `probe slurm --sweep-model A --sweep-model B` \
        writes it after merging every model's shards.

        Examples:
          probe compare runs/blt-1b/probe.h5 runs/blt-7b/probe.h5 --out runs/sweep
        """)

    @Argument(help: "Finished probe-run files (probe.h5), one per model.")
    var runs: [String]

    @Option(name: .long, help: "Output directory of COMPARE.md.")
    var out: String

    func run() async throws {
        try FilePreflight.check(runs)
        let comparison = try ModelComparison(paths: runs)
        defer { comparison.close() }
        print("wrote \(try comparison.write(to: out)) (\(runs.count) models)")
    }
}
