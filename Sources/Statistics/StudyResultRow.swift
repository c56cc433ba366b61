import Foundation

/// The four questions of the study. Raw values are stable identifiers written to HDF5 and REPORT.md.
public enum StudyTest: String, Sendable, Codable, CaseIterable {
    /// (a) Does the per-item entropy measure change monotonically with difficulty level?
    case entropyTracksLevel = "entropy_tracks_level"
    /// (b) Does a sparsity measure at a hook change monotonically with difficulty level?
    case sparsityTracksLevel = "sparsity_tracks_level"
    /// (c) Does sparsity change with level beyond what entropy explains (sparsity ~ level + entropy + item FE)?
    case sparsityBeyondEntropy = "sparsity_beyond_entropy"
    /// (d) Within texts, do patch entropy and patch sparsity co-vary (controlling for length and position)?
    case entropySparsityPatchCorrelation = "entropy_sparsity_patch_correlation"
    /// (0) Does the model's own loss rise with the level, i.e. does the ladder get harder *for the model*?
    case lossTracksLevel = "loss_tracks_level"
    /// (e) Within items, does per-item entropy rise with the model's measured loss across levels?
    case entropyTracksLoss = "entropy_tracks_loss"
    /// (f) Within items, does sparsity follow the model's measured loss across levels?
    case sparsityTracksLoss = "sparsity_tracks_loss"
    /// (g) Patch-length control: does the within-item trend of sparsity with level differ between the
    /// run's patching and the paired fixed-size-patching control arm (same items)?
    case patchingInteraction = "patching_interaction"
    /// (h) Model control: is the within-item trend of sparsity with level different in the trained model
    /// than in an untrained (random-initialised) model of the same architecture run on the same items
    /// with the same patches? A trained-model finding is "beyond the control" only when this differs.
    case modelControlDifference = "model_control_difference"
    /// Calibration, not a test: the family-wise false-positive rate of the verdict pipeline for the
    /// test named in `measure`, over within-item shuffles of the level labels (the permutation null).
    case permutationNullRate = "permutation_null_rate"

    /// The question in plain words, as shown in reports.
    public var question: String {
        switch self {
        case .entropyTracksLevel: return "Does per-item entropy track the difficulty level?"
        case .sparsityTracksLevel: return "Does hidden-state sparsity track the difficulty level?"
        case .sparsityBeyondEntropy: return "Does sparsity track the difficulty level beyond entropy?"
        case .entropySparsityPatchCorrelation: return "Do patch entropy and patch sparsity co-vary within texts?"
        case .lossTracksLevel: return "Does the model's own loss rise with the level (does the ladder get harder for the model)?"
        case .entropyTracksLoss: return "Does per-item entropy track the model's measured loss within items?"
        case .sparsityTracksLoss: return "Does hidden-state sparsity track the model's measured loss within items?"
        case .patchingInteraction: return "Does the sparsity trend with level change under fixed-size patching?"
        case .modelControlDifference: return "Is the sparsity trend with level different in the trained model than in the untrained control model?"
        case .permutationNullRate: return "How often does the verdict pipeline call an effect when the levels are shuffled within items?"
        }
    }

    /// What `estimate` is, as a stable identifier.
    public var estimator: String {
        switch self {
        case .entropyTracksLevel, .sparsityTracksLevel, .lossTracksLevel: return "mean_within_item_kendall_tau_b"
        case .sparsityBeyondEntropy: return "level_coefficient_item_fixed_effects"
        case .entropySparsityPatchCorrelation: return "partial_correlation_within_sequence"
        case .entropyTracksLoss, .sparsityTracksLoss: return "mean_within_item_kendall_tau_b_vs_loss"
        case .patchingInteraction: return "mean_within_item_tau_difference_run_minus_fixed"
        case .modelControlDifference: return "mean_within_item_tau_difference_trained_minus_control"
        case .permutationNullRate: return "family_wise_false_positive_rate_over_shuffles"
        }
    }

    /// Where `p` comes from, as a stable identifier.
    public var pTest: String {
        switch self {
        case .entropyTracksLevel, .sparsityTracksLevel, .lossTracksLevel: return "page_L_two_sided"
        case .sparsityBeyondEntropy, .entropySparsityPatchCorrelation: return "cluster_robust_t_by_item"
        case .entropyTracksLoss, .sparsityTracksLoss, .patchingInteraction, .modelControlDifference:
            return "wilcoxon_signed_rank_two_sided"
        case .permutationNullRate: return "none"
        }
    }
}

/// How a larger value of a row's measure reads, so that a verdict can be *oriented*: "tracks
/// difficulty" always means "sparser on harder inputs" (tests b, c, e, f) or "higher-entropy patches are
/// sparser" (test d), whichever way the measure runs. Raw values are stable strings stored with each row.
public enum EffectDirection: String, Sendable, Codable, CaseIterable {
    /// A larger value means a sparser vector (Hoyer, Gini, top-k energy, near-zero fraction).
    case higherIsSparser = "higher_is_sparser"
    /// A larger value means a denser vector (participation ratio, effective dimension/rank).
    case lowerIsSparser = "lower_is_sparser"
    /// Not a sparsity measure (norm, kurtosis): the verdict reads "tracks difficulty" when the value
    /// *rises* with difficulty and the row's note says so.
    case notSparsity = "not_a_sparsity_measure"
    /// Rows that are not about sparsity (entropy and loss trends): the sign is read as is.
    case none = ""

    /// +1 when a positive estimate means "sparser"/"higher", −1 when it means "denser".
    public var sign: Double { self == .lowerIsSparser ? -1 : 1 }
}

/// Plain-language outcome of one test. Raw values are stable strings.
///
/// Rule (`Verdict.decide`): with fewer than 3 items, or any of estimate, CI or p undefined,
/// "insufficient data". Otherwise, if the corrected p is below α *and* the CI excludes 0, the sign of
/// the estimate *times the direction's sign* decides: positive → "tracks difficulty", negative →
/// "tracks inversely". Else "no evidence". So for a measure where lower = sparser (participation
/// ratio) a positive τ against level reads "tracks inversely" (denser on harder inputs). For test (d)
/// "tracks difficulty" means higher patch entropy goes with a sparser patch vector.
public enum Verdict: String, Sendable, Codable, CaseIterable {
    case tracksDifficulty = "tracks difficulty"
    case noEvidence = "no evidence"
    case tracksInversely = "tracks inversely"
    case insufficientData = "insufficient data"

    public static func decide(n: Int, estimate: Double?, ciLow: Double?, ciHigh: Double?,
                              correctedP: Double?, alpha: Double, direction: EffectDirection = .none) -> Verdict {
        guard n >= 3, let estimate, let ciLow, let ciHigh, let correctedP else { return .insufficientData }
        let ciExcludesZero = ciLow > 0 || ciHigh < 0
        guard correctedP < alpha, ciExcludesZero, estimate != 0 else { return .noEvidence }
        return estimate * direction.sign > 0 ? .tracksDifficulty : .tracksInversely
    }
}

/// One line of the study's results table. Optional numbers are nil exactly when the verdict is
/// "insufficient data" (or, for `correctedP`, when p is nil); writers should store nil as NaN together
/// with the verdict string so nothing is silently NaN.
public struct StudyResultRow: Sendable, Equatable, Codable {
    public var test: StudyTest
    public var question: String
    public var ladder: String
    /// Hook point name; "" for entropy-only rows (test a).
    public var hook: String
    /// Measure name, e.g. "hoyer"; for test (a) the entropy measure's name.
    public var measure: String
    /// Pre-registered primary measure (entropy row, and the configured primary sparsity measure).
    public var isPrimary: Bool
    /// `test.estimator` and `test.pTest`, repeated so a flat table is self-describing.
    public var estimator: String
    public var pTest: String
    /// "bca" or "percentile" (what the bootstrap actually used), nil without a CI.
    public var ciMethod: String?
    /// Number of items (clusters) that entered the test.
    public var n: Int
    public var estimate: Double?
    public var ciLow: Double?
    public var ciHigh: Double?
    public var p: Double?
    /// Holm-corrected p within the row's family (see `StudyAnalysis`).
    public var correctedP: Double?
    public var verdict: Verdict
    /// Short reason when the verdict is "insufficient data", or other caveats; "" otherwise.
    public var note: String
    /// How the measure reads (orients the verdict; `.none` for entropy/loss rows).
    public var direction: EffectDirection = .none
    /// TOST equivalence margin ±δ in the estimate's unit (nil when the test has none).
    public var equivalenceDelta: Double? = nil
    /// TOST p-value: the larger of the two one-sided p-values against −δ and +δ (nil without δ).
    /// Below α (and the verdict "no evidence") the effect is *equivalent to 0 within ±δ*.
    public var tostP: Double? = nil
    /// Largest variance inflation factor among the regression's covariates (nil for non-regression tests).
    public var maxVIF: Double? = nil
    /// Subset of the data the row is computed on, e.g. "patch_length=1" for the within-length strata of
    /// test (d); "" for the whole data.
    public var stratum: String = ""

    public init(test: StudyTest, question: String, ladder: String, hook: String, measure: String, isPrimary: Bool,
                estimator: String, pTest: String, ciMethod: String?, n: Int, estimate: Double?, ciLow: Double?,
                ciHigh: Double?, p: Double?, correctedP: Double?, verdict: Verdict, note: String) {
        self.test = test; self.question = question; self.ladder = ladder; self.hook = hook; self.measure = measure
        self.isPrimary = isPrimary; self.estimator = estimator; self.pTest = pTest; self.ciMethod = ciMethod; self.n = n
        self.estimate = estimate; self.ciLow = ciLow; self.ciHigh = ciHigh; self.p = p; self.correctedP = correctedP
        self.verdict = verdict; self.note = note
    }

    /// Column names of a flat table of rows, in the order of `cells`. Stable: HDF5 and REPORT.md use them.
    public static let columnNames = ["test", "question", "ladder", "hook", "measure", "is_primary", "estimator", "p_test",
                                     "ci_method", "n", "estimate", "ci_low", "ci_high", "p", "corrected_p", "verdict", "note",
                                     "direction", "equivalence_delta", "tost_p", "max_vif", "stratum"]

    /// True when the effect is shown equivalent to 0 within ±δ (TOST p < α) and the verdict is "no evidence".
    public func isEquivalentToZero(alpha: Double = 0.05) -> Bool {
        guard verdict == .noEvidence, let tostP else { return false }
        return tostP < alpha
    }

    /// The numeric fields as Double with nil → NaN, for columnar stores (pair them with `verdict`,
    /// which says why a value is missing).
    public var numericCells: (n: Int, estimate: Double, ciLow: Double, ciHigh: Double, p: Double, correctedP: Double) {
        (n, estimate ?? .nan, ciLow ?? .nan, ciHigh ?? .nan, p ?? .nan, correctedP ?? .nan)
    }
}

extension StudyResultRow {
    /// A Markdown table of rows for REPORT.md: estimates to 4 significant digits, p-values in
    /// scientific notation below 1e−3, and "—" for undefined values.
    public static func markdownTable(_ rows: [StudyResultRow]) -> String {
        func number(_ v: Double?) -> String {
            guard let v else { return "—" }
            return formatSignificant(v, digits: 4)
        }
        func pValue(_ v: Double?) -> String {
            guard let v else { return "—" }
            return v < 1e-3 ? formatScientific(v) : formatSignificant(v, digits: 3)
        }
        var lines = ["| test | ladder | hook | measure | n | estimate | CI | p | p (Holm) | verdict |",
                     "|---|---|---|---|---|---|---|---|---|---|"]
        for r in rows {
            let measure = r.isPrimary ? "**\(r.measure)**" : r.measure
            let ci = (r.ciLow == nil || r.ciHigh == nil) ? "—" : "[\(number(r.ciLow)), \(number(r.ciHigh))]"
            lines.append("| \(r.test.rawValue) | \(MarkdownText.cell(r.ladder)) | \(r.hook.isEmpty ? "—" : r.hook) | \(measure) | \(r.n) | "
                         + "\(number(r.estimate)) | \(ci) | \(pValue(r.p)) | \(pValue(r.correctedP)) | \(r.verdict.rawValue) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// `%.{digits}g` rendering (C locale: always a "." decimal point).
func formatSignificant(_ v: Double, digits: Int) -> String {
    String(format: "%.\(digits)g", v)
}

/// Scientific rendering with 2 significant digits, e.g. "3.1e-05".
func formatScientific(_ v: Double) -> String {
    String(format: "%.1e", v)
}
