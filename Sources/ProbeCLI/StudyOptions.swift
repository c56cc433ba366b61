import ArgumentParser
import Foundation
import Ladders
import BLTModel
import Metrics
import Probing
import Statistics

/// The options that define a study, shared by `probe run` and `probe slurm` (which writes them into
/// its array script): the dataset, model, items, hooks, measures, patching, controls and statistics.
struct StudyOptions: ParsableArguments {
    @Option(name: .long, help: "Ladder (ood, noise, noise-blt, structure, tasks, tasks-*, sparsity-paper, paper-*) or custom:PATH (.jsonl or folder). Default: ood, or the protocol's dataset.")
    var dataset: String?

    @Option(name: .customLong("protocol"),
            help: "Follow a published protocol: sparsity-paper (Jin et al. 2026: dataset sparsity-paper, last-layer hooks, probe vectors, the paper's metrics and a replicated/not/opposite table per claim) or none.")
    var studyProtocol: String = "none"

    @Option(name: .customLong("save-probe-vectors"), parsing: .upToNextOption,
            help: "Hook globs whose state at the probe position is stored per item (/activations/probe; one row per item).")
    var saveProbeVectors: [String] = []

    @Option(name: .long, help: "Checkpoint directory in Hugging Face layout (default: the shipped model, Assets/models/\(StudyPlan.defaultModelName)/).")
    var model: String?

    @Option(name: .long, parsing: .upToNextOption, help: "Level indices or names (default: all levels).")
    var levels: [String] = []

    @Option(name: .long, help: "Base items per level, or 'all'.")
    var limit: String = String(StudyRequest.defaultLimit)

    @Option(name: .long, help: "Base seed of the item generators (and of the bootstrap).")
    var seed: UInt64 = 0

    @Option(name: .long, parsing: .upToNextOption, help: "Hook globs to measure (see `probe hooks`).")
    var hooks: [String] = StudyRequest.defaultHookPatterns

    @Option(name: .long, parsing: .upToNextOption,
            help: "Sparsity measures, or 'all': \(SparsityMeasure.allCases.map(\.rawValue).joined(separator: ", ")).")
    var measures: [String] = StudyRequest.defaultMeasures.map(\.rawValue)

    @Option(name: .customLong("save-activations"), parsing: .upToNextOption, help: "Hook globs whose raw activations are stored.")
    var saveActivations: [String] = []

    @Option(name: .long, help: PatchingSpec.optionHelp)
    var patching: String = "entropy"

    @Option(name: .long, help: "Items processed in parallel (default: the active cores, at most 4); results do not depend on it.")
    var threads: Int = min(4, ProcessInfo.processInfo.activeProcessorCount)

    @Option(name: .customLong("items-per-forward"), help: "Consecutive items of one arm packed into one forward pass (at most \(ItemPacking.maxItemsLimit), and \(ItemPacking.defaultMaxBytes) bytes per pass); results do not depend on it.")
    var itemsPerForward: Int = StudyRequest.defaultItemsPerForward

    @Option(name: .long, help: "Output directory (default: Reports/<dataset>/ for the canonical study, else runs/<dataset>-<spec hash>/).")
    var out: String?

    @Option(name: .long, help: "Where per-item probe measures are read: suffix (last byte of the probe suffix) or prompt-end (last byte before the answer; task ladders only).")
    var probe: String = ProbePosition.suffix.rawValue

    @Option(name: .customLong("reference-items"), help: "Held-out level-0 items per ladder (the base items after the analysed ones; at most --limit) that define outlier dimensions and z-score moments.")
    var referenceItems: Int = 32

    @Option(name: .customLong("control-patch-size"), help: "Patch size of the fixed-patching control (compute accounting and the patch-length control arm).")
    var controlPatchSize: Int = 4

    @Flag(name: .customLong("no-patch-control"),
          help: "Skip the patch-length control arm (by default every item runs again under fixed:<control-patch-size> patching, doubling the item stage).")
    var noPatchControl = false

    @Option(name: .customLong("model-source"),
            help: "Which model of --model the study runs: blt (the trained BLT), entropy-model (its entropy model alone, as a plain byte-level transformer), random-init[:SEED] (a BLT of the same config with seeded random weights).")
    var modelSource: String = ModelSource.blt.description

    @Option(name: .customLong("control-model"),
            help: "Control-model arm: every item runs again through a control model, cut into the trained model's patches (test (h); adds about half to the item stage). random-init[:SEED] (an untrained BLT of the same config, seeded random weights), checkpoint:DIR (another checkpoint of the same architecture, e.g. an earlier training stage) or none.")
    var controlModel: String = StudyRequest.defaultModelControl?.description ?? "none"

    @Option(name: .customLong("null-shuffles"),
            help: "Within-item level shuffles of the permutation null that measures the verdicts' false-positive rate per test (0: skip; at most \(StudyAnalysis.maxNullShuffles)).")
    var nullShuffles: Int = StudyRequest.defaultNullShuffles

    @Option(name: .long, help: "Bootstrap resamples per confidence interval.")
    var bootstrap: Int = 2000

    @Option(name: .long, help: "Assets/ directory (default: found from the current directory or BYTELENS_ASSETS).")
    var assets: String?

    func validate() throws {
        _ = try PatchingSpec.argument(patching)
    }

    @Option(name: .long, help: "Precision of the matrix products: fp32 (default, parity-tested) or bf16 (bfloat16 weights, fp32 accumulation; faster with AVX512-BF16/AMX; deviation in README, Performance).")
    var compute: MatrixPrecision = .fp32

    @Option(name: .long, help: "Cut every base item's levels to a common size before the study: none (default), bytes (same length in bytes, at a UTF-8 boundary) or patches (same number of patches under the run's patching). Not for ladders with answers.")
    var match: ItemMatching = .none

    /// The study request these options describe (no shard, no resume; `probe run` adds those).
    func request(commandLine: [String] = ["probe"] + CommandLine.arguments.dropFirst()) throws -> StudyRequest {
        var parsedLimit: Int?
        if limit != "all" {
            guard let n = Int(limit) else { throw ValidationError("--limit must be a positive integer or 'all', got '\(limit)'") }
            parsedLimit = n
        }
        guard let source = ModelSource(modelSource), !modelSource.hasPrefix("checkpoint:") else {
            throw ValidationError("--model-source must be blt, entropy-model or random-init[:SEED], got '\(modelSource)'")
        }
        let control: ModelSource?
        if controlModel == "none" { control = nil } else {
            guard let c = ModelSource(controlModel), c.canBeControl else {
                throw ValidationError("--control-model must be random-init[:SEED], checkpoint:DIR or none, got '\(controlModel)'")
            }
            control = c
        }
        let chosenProtocol = try StudyProtocol.parse(option: studyProtocol)
        var request = StudyRequest(
            dataset: dataset ?? "ood", modelDirectory: model, levels: levels.isEmpty ? nil : levels, limit: parsedLimit, seed: seed,
            hookPatterns: hooks, measures: try Self.parseMeasures(measures), saveActivationPatterns: saveActivations,
            patching: patching, threads: threads, outDirectory: out, resume: false, referenceItems: referenceItems,
            controlPatchSize: controlPatchSize, bootstrapResamples: bootstrap, patchControl: !noPatchControl, assetsDirectory: assets,
            commandLine: commandLine, probePosition: try ProbePosition(option: probe))
        request.modelSource = source
        request.modelControl = control
        request.nullShuffles = nullShuffles
        request.compute = compute
        request.match = match
        request.saveProbeVectorPatterns = saveProbeVectors
        request.itemsPerForward = itemsPerForward
        chosenProtocol?.configure(&request, datasetGiven: dataset != nil, hooksGiven: hooks != StudyRequest.defaultHookPatterns)
        return request
    }

    /// These options as `probe run` arguments, every one explicit (for the scripts `probe slurm` writes);
    /// parsing them back gives the same request. `out` replaces `--out`.
    func arguments(out: String) -> [String] {
        let protocolDataset = (try? StudyProtocol.parse(option: studyProtocol))?.defaultDataset
        var a = ["--dataset", dataset ?? protocolDataset ?? "ood"]
        if studyProtocol != "none" { a += ["--protocol", studyProtocol] }
        if !saveProbeVectors.isEmpty { a += ["--save-probe-vectors"] + saveProbeVectors }
        if let model { a += ["--model", model] }
        if !levels.isEmpty { a += ["--levels"] + levels }
        a += ["--limit", limit, "--seed", String(seed), "--hooks"] + hooks + ["--measures"] + measures
        if !saveActivations.isEmpty { a += ["--save-activations"] + saveActivations }
        a += ["--patching", patching, "--threads", String(threads), "--items-per-forward", String(itemsPerForward), "--out", out, "--probe", probe,
              "--reference-items", String(referenceItems), "--control-patch-size", String(controlPatchSize)]
        if noPatchControl { a.append("--no-patch-control") }
        a += ["--model-source", modelSource, "--control-model", controlModel, "--null-shuffles", String(nullShuffles),
              "--bootstrap", String(bootstrap), "--compute", compute.rawValue, "--match", match.rawValue]
        if let assets { a += ["--assets", assets] }
        return a
    }

    static func parseMeasures(_ names: [String]) throws -> [SparsityMeasure] {
        if names == ["all"] { return SparsityMeasure.allCases }
        return try names.map { name in
            guard let m = SparsityMeasure(rawValue: name) else {
                throw ProbingError.unknownMeasure(name: name, valid: SparsityMeasure.allCases.map(\.rawValue))
            }
            return m
        }
    }

}
