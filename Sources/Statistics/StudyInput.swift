/// One measure's per-item, per-level values at one hook: `values[item][level]`.
public struct LevelSeries: Sendable, Equatable, Codable {
    public var hook: String
    public var measure: String
    public var values: [[Double]]
    /// How a larger value reads; orients the verdicts of every test on this series.
    public var direction: EffectDirection

    public init(hook: String, measure: String, values: [[Double]], direction: EffectDirection = .higherIsSparser) {
        self.hook = hook; self.measure = measure; self.values = values; self.direction = direction
    }
}

/// Patch-level observations of one ladder: one entry per patch in every (item, level) text.
public struct PatchTable: Sendable, Equatable, Codable {
    /// Item index (into `StudyInput.items`) and level index of the text the patch belongs to.
    public var item: [Int]
    public var level: [Int]
    /// Patch entropy (e.g. mean per-byte entropy over the patch), patch length in bytes, and the
    /// patch position (e.g. start byte offset or patch index) within its text.
    public var entropy: [Double]
    public var length: [Double]
    public var position: [Double]
    /// Sparsity per (hook, measure), each `values` aligned with the arrays above.
    public var sparsity: [PatchSeries]

    public init(item: [Int], level: [Int], entropy: [Double], length: [Double], position: [Double], sparsity: [PatchSeries]) {
        self.item = item; self.level = level; self.entropy = entropy
        self.length = length; self.position = position; self.sparsity = sparsity
    }
}

/// One sparsity measure at one hook, one value per patch.
public struct PatchSeries: Sendable, Equatable, Codable {
    public var hook: String
    public var measure: String
    public var values: [Double]
    /// How a larger value reads; orients the verdict of test (d).
    public var direction: EffectDirection

    public init(hook: String, measure: String, values: [Double], direction: EffectDirection = .higherIsSparser) {
        self.hook = hook; self.measure = measure; self.values = values; self.direction = direction
    }
}

/// Everything the analysis needs for one ladder, as plain arrays.
public struct StudyInput: Sendable, Equatable, Codable {
    public var ladder: String
    /// Level names, ordered from easiest (index 0) to hardest.
    public var levels: [String]
    /// Item ids; `values[i]` rows follow this order.
    public var items: [String]
    /// Name of the entropy measure in `entropy`, e.g. "mean_entropy_bits".
    public var entropyMeasure: String
    /// Per-item entropy measure at each level, `entropy[item][level]`.
    public var entropy: [[Double]]
    /// Per-item sparsity measures, `values[item][level]`.
    public var sparsity: [LevelSeries]
    /// Optional patch-level data for test (d).
    public var patches: PatchTable?
    /// `true` when the levels are categories with a hypothesised order (e.g. languages): test (c) then
    /// models the level with one indicator per level instead of a slope.
    public var levelsAreCategories: Bool = false
    /// Measured difficulty: the model's own loss per item and level, `loss[item][level]` (bits per
    /// byte over the span, or over the answer for tasks), named by `lossMeasure`. Enables the
    /// "does the ladder get harder for the model" test and the tests against measured loss.
    public var loss: [[Double]]? = nil
    public var lossMeasure: String = ""
    /// Entropy local to the probe position, `probeEntropy[item][level]` (bits): the covariate of test (c),
    /// where sparsity is read. Falls back to `entropy` when nil.
    public var probeEntropy: [[Double]]? = nil
    /// Length in bytes of the patch holding the probe position, `probePatchLength[item][level]`: enters
    /// test (c) as indicators (2, 3, ≥ 4 bytes against 1), so the level effect is compared between
    /// probes in patches of the same length.
    public var probePatchLength: [[Double]]? = nil
    /// Input statistics held fixed in test (c) besides entropy, loss and probe patch length: e.g. the text's
    /// length in bytes, its patch count and its byte-class mix, each `values[item][level]`. They describe the
    /// input, not the model, so a level effect that they explain is an artefact of the ladder's texts.
    public var inputCovariates: [InputCovariate] = []

    public init(ladder: String, levels: [String], items: [String], entropyMeasure: String, entropy: [[Double]],
                sparsity: [LevelSeries], patches: PatchTable? = nil, levelsAreCategories: Bool = false,
                loss: [[Double]]? = nil, lossMeasure: String = "", probeEntropy: [[Double]]? = nil,
                probePatchLength: [[Double]]? = nil, inputCovariates: [InputCovariate] = []) {
        self.ladder = ladder; self.levels = levels; self.items = items; self.entropyMeasure = entropyMeasure
        self.entropy = entropy; self.sparsity = sparsity; self.patches = patches
        self.levelsAreCategories = levelsAreCategories; self.loss = loss; self.lossMeasure = lossMeasure
        self.probeEntropy = probeEntropy; self.probePatchLength = probePatchLength
        self.inputCovariates = inputCovariates
    }
}

/// One named input statistic per item and level (a covariate of test (c)), `values[item][level]`.
public struct InputCovariate: Sendable, Equatable, Codable {
    public var name: String
    public var values: [[Double]]

    public init(name: String, values: [[Double]]) {
        self.name = name; self.values = values
    }
}

/// Analysis settings. Defaults follow the pre-registered protocol (difficulty_and_metrics.md D.6).
public struct StudyConfiguration: Sendable, Equatable, Codable {
    /// Significance level for verdicts.
    public var alpha: Double = 0.05
    public var confidenceLevel: Double = 0.95
    public var bootstrapResamples: Int = 2000
    public var bootstrapMethod: BootstrapMethod = .bca
    /// Base seed; each row's bootstrap seed mixes it with the row's (test, ladder, hook, measure).
    public var seed: UInt64 = 20_260_301
    /// Pre-registered primary sparsity measure (flagged `isPrimary` in rows).
    public var primarySparsityMeasure: String = "hoyer"
    /// Pre-registered primary hooks (one per model component), declared before the run. A sparsity row
    /// is primary when its measure is the primary measure *and* its hook is one of these; empty = every
    /// hook (the measure alone decides). Primary rows form their own Holm family per test and ladder
    /// (the confirmatory family); the other rows are exploratory and corrected among themselves.
    public var primaryHooks: [String] = []
    /// Smallest effect of interest for the TOST equivalence tests: ±δ in Kendall τ units for the τ
    /// tests, and ±δ·(within-item SD of the measure) per level for test (c).
    public var equivalenceDelta: Double = 0.1

    public init(alpha: Double = 0.05, confidenceLevel: Double = 0.95, bootstrapResamples: Int = 2000,
                bootstrapMethod: BootstrapMethod = .bca, seed: UInt64 = 20_260_301, primarySparsityMeasure: String = "hoyer",
                primaryHooks: [String] = [], equivalenceDelta: Double = 0.1) {
        self.alpha = alpha; self.confidenceLevel = confidenceLevel; self.bootstrapResamples = bootstrapResamples
        self.bootstrapMethod = bootstrapMethod; self.seed = seed; self.primarySparsityMeasure = primarySparsityMeasure
        self.primaryHooks = primaryHooks; self.equivalenceDelta = equivalenceDelta
    }

    /// Whether a row of `measure` at `hook` is pre-registered primary.
    public func isPrimary(hook: String, measure: String) -> Bool {
        measure == primarySparsityMeasure && (primaryHooks.isEmpty || primaryHooks.contains(hook))
    }
}
