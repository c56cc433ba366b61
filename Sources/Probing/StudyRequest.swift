import Ladders
import Metrics
import ModelCore

/// Everything a user chooses for one study run (`probe run` options), before validation.
///
/// ``StudyPlan/prepare(_:)`` validates it completely (dataset, levels, model directory, hook globs,
/// measures, output directory, resume state) before any forward pass runs.
public struct StudyRequest: Sendable, Equatable {
    /// Ladder name (`ood`, `noise`, …), the group `tasks`, or `custom:PATH` (JSONL file or folder).
    public var dataset: String
    /// Checkpoint directory; nil = the shipped default model (`Assets/models/bytelens-tiny/`).
    public var modelDirectory: String?
    /// Level indices or names; nil = every level of the ladder.
    public var levels: [String]?
    /// Base items per level; nil = every base item of the ladder.
    public var limit: Int?
    /// Base seed of the item generators (``Ladders/LadderOptions/baseSeed``); the statistics'
    /// bootstrap seed is derived from it too.
    public var seed: UInt64
    /// Hook globs whose activations are measured (see ``StudyRequest/defaultHookPatterns``).
    public var hookPatterns: [String]
    /// Sparsity measures to store; each in the raw, outlier-removed and z-scored variant.
    public var measures: [SparsityMeasure]
    /// Hook globs whose raw activations are stored (opt-in; can be large).
    public var saveActivationPatterns: [String]
    /// Patching strategy spec: `entropy`, `monotonic[:RISE]`, `fixed:N`, `space`.
    public var patching: String
    /// Items processed concurrently (each item's forward pass is itself multi-threaded).
    public var threads: Int
    /// Output directory; nil = ``RunOutput/defaultDirectory(for:)`` under the current directory
    /// (`Reports/<dataset>/` for the canonical study, `runs/<dataset>-<hash>/` otherwise).
    public var outDirectory: String?
    /// Continue `<out>/probe.h5.partial` from its last complete item.
    public var resume: Bool
    /// Level-0 base items used to build the reference profile (outlier dimensions, z-score moments).
    public var referenceItems: Int
    /// Fixed patch size of the compute-allocation control (FLOPs the same items would cost under
    /// fixed-size patching).
    public var controlPatchSize: Int
    /// Bootstrap resamples of every confidence interval.
    public var bootstrapResamples: Int
    /// Run every item a second time under `fixed:<controlPatchSize>` patching (the paired patch-length
    /// control arm; skipped when the run's own patching reads no entropy).
    public var patchControl: Bool
    /// `Assets/` override (tests); nil = ``Ladders/AssetLocator`` search.
    public var assetsDirectory: String?
    /// The command line to record in provenance and REPORT.md (program name first).
    public var commandLine: [String]
    /// Where the per-item probe measures are read (`--probe`); `.promptEnd` needs task items.
    public var probePosition: ProbePosition
    /// Which model of the checkpoint the study runs (default: the trained BLT).
    public var modelSource: ModelSource = .blt
    /// The untrained control model (`--control-model`, default `random-init:0`): every item runs a third
    /// time through a BLT of the same config with seeded random weights, cut into the trained model's
    /// patches, so a finding can be checked against what input statistics alone produce (test (h)).
    /// nil = no model-control arm; ignored unless ``modelSource`` is the trained BLT.
    public var modelControl: ModelSource? = StudyRequest.defaultModelControl

    /// Within-item level shuffles of the permutation null (`--null-shuffles`; 0 = none): the verdict
    /// pipeline's false-positive rate per test, reported beside the verdicts.
    public var nullShuffles: Int = StudyRequest.defaultNullShuffles
    /// The part of the study this process runs (`--shard I/N`, or the Slurm array task); nil = all of it.
    /// A shard writes `<out>/shards/shard-IIII-of-NNNN.h5` with its items only and no statistics;
    /// `probe merge` makes the study's `probe.h5` and report from all shards (see ``StudyShard``).
    public var shard: StudyShard? = nil
    /// Precision of the matrix products (`--compute`): fp32 (default, parity-tested against transformers)
    /// or bf16 (weights rounded to bfloat16, fp32 accumulation: faster on CPUs with AVX512-BF16/AMX, with
    /// the deviation measured in README, "Performance"). Recorded in the configuration when not fp32.
    public var compute: MatrixPrecision = .fp32
    /// `--match bytes|patches`: every base item's levels cut to a common length in bytes or a common number
    /// of patches (``Ladders/ItemMatching``); recorded in the configuration when not `none`.
    public var match: ItemMatching = .none
    /// `--protocol`: a published protocol whose analysis the report adds (``StudyProtocol``); nil = none.
    public var studyProtocol: StudyProtocol? = nil
    /// Hook globs whose state at the probe position is stored for every item (`--save-probe-vectors`,
    /// `/activations/probe/<hook>`, one row of the hook's width per item): small, unlike `--save-activations`.
    public var saveProbeVectorPatterns: [String] = []
    /// Consecutive items of one arm run as one packed forward pass, at most this many and
    /// ``ItemPacking/defaultMaxBytes`` bytes (`--items-per-forward`; 1 = one pass per item). Changes no
    /// stored value (``ItemPacking``), so it is not part of the study's identity.
    public var itemsPerForward: Int = StudyRequest.defaultItemsPerForward
    public static let defaultItemsPerForward = 4
    public static let defaultNullShuffles = 200

    /// The default control model: a random-initialised BLT of the checkpoint's config, seed 0.
    public static let defaultModelControl: ModelSource? = .randomInit(seed: 0)

    /// The default hooks: every residual stream and MLP activation of every block (patcher, local
    /// encoder, global transformer, local decoder) and the decoder's final-norm state.
    public static let defaultHookPatterns = ["*.blocks.*.hook_resid_post", "*.blocks.*.hook_mlp_act", "decoder.hook_final_norm"]
    /// Hoyer (primary), Gini, top-5 % energy and participation ratio: the principled set plus the
    /// sparsity paper's measures (difficulty_and_metrics.md B.4), kept small for speed.
    public static let defaultMeasures: [SparsityMeasure] = [.hoyer, .gini, .top5Energy, .participationRatio]
    /// Default base items per level of `probe run` (keeps the default `ood` run under 10 minutes on
    /// 2 cores with the shipped model; raise it for publication-grade power).
    public static let defaultLimit = 40

    public init(dataset: String, modelDirectory: String? = nil, levels: [String]? = nil, limit: Int? = nil,
                seed: UInt64 = 0, hookPatterns: [String] = StudyRequest.defaultHookPatterns,
                measures: [SparsityMeasure] = StudyRequest.defaultMeasures, saveActivationPatterns: [String] = [],
                patching: String = "entropy", threads: Int = 1, outDirectory: String? = nil, resume: Bool = false,
                referenceItems: Int = 32, controlPatchSize: Int = 4, bootstrapResamples: Int = 2000,
                patchControl: Bool = true, assetsDirectory: String? = nil, commandLine: [String] = [], probePosition: ProbePosition = .suffix) {
        self.dataset = dataset
        self.modelDirectory = modelDirectory
        self.levels = levels
        self.limit = limit
        self.seed = seed
        self.hookPatterns = hookPatterns
        self.measures = measures
        self.saveActivationPatterns = saveActivationPatterns
        self.patching = patching
        self.threads = threads
        self.outDirectory = outDirectory
        self.resume = resume
        self.referenceItems = referenceItems
        self.controlPatchSize = controlPatchSize
        self.bootstrapResamples = bootstrapResamples
        self.patchControl = patchControl
        self.assetsDirectory = assetsDirectory
        self.commandLine = commandLine
        self.probePosition = probePosition
    }
}
