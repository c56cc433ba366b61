import ArgumentParser
import Foundation
import Probing

/// `probe intervene RUN.h5`: the causal sparsification check (INTERVENTION.md next to the run).
struct Intervene: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Causal check: make the hidden state of hard items as sparse as the easy items', measure the loss.",
        discussion: """
        For each ladder of a finished run, the easiest and the hardest level's items run again through the run's \
        model with the run's own patches; at one hook every row keeps only its k largest entries (k from the easy \
        items' concentration) or, as the control, is shrunk to the same norm. INTERVENTION.md and \
        intervention.csv report the change of the loss with bootstrap CIs.

        Examples:
          probe intervene Reports/sparsity-paper/probe.h5
          probe intervene runs/ood-1234/probe.h5 --hook decoder.hook_final_norm --limit 20
        """)

    @Argument(help: "A finished probe-run file (probe.h5).")
    var run: String

    @Option(name: .long, help: "Model directory (default: the one the run recorded; its files must match the run's SHA-256s).")
    var model: String?

    @Option(name: .long, help: "Hook to edit (default: the last global-transformer residual stream).")
    var hook: String?

    @Option(name: .long, help: "Items per level (default: all of the run's).")
    var limit: Int?

    @Option(name: .customLong("energy-share"), help: "Energy share that defines an easy row's dimensions in use (0.5–0.99).")
    var energyShare: Double = 0.9

    @Option(name: .long, help: "Output directory (default: the run's folder).")
    var out: String?

    func validate() throws {
        guard energyShare >= 0.5, energyShare <= 0.99 else { throw ValidationError("--energy-share must be in [0.5, 0.99], got \(energyShare)") }
        if let limit, limit < 2 || limit > 100_000 { throw ValidationError("--limit must be in 2...100000, got \(limit)") }
    }

    func run() async throws {
        var check = SparsificationCheck()
        check.energyShare = energyShare
        check.limit = limit
        let output = try check.perform(runPath: run, modelDirectory: model, hook: hook, outDirectory: out,
                                       commandLine: ["probe"] + CommandLine.arguments.dropFirst()) { done, total in
            FileHandle.standardError.write(Data("\rprobe: intervene \(done)/\(total) forwards".utf8))
        }
        FileHandle.standardError.write(Data("\n".utf8))
        print("wrote \(output.markdownPath) and \(output.csvPath) (hook \(output.hook), \(output.rows.count) rows)")
    }
}
