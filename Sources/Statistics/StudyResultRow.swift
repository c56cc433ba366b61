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

    /// The question in plain words, as shown in reports.
    public var question: String {
        switch self {
        case .entropyTracksLevel: return "Does per-item entropy track the difficulty level?"
        case .sparsityTracksLevel: return "Does hidden-state sparsity track the difficulty level?"
        case .sparsityBeyondEntropy: return "Does sparsity track the difficulty level beyond entropy?"
        case .entropySparsityPatchCorrelation: return "Do patch entropy and patch sparsity co-vary within texts?"
        }
    }

    /// What `estimate` is, as a stable identifier.
    public var estimator: String {
        switch self {
        case .entropyTracksLevel, .sparsityTracksLevel: return "mean_within_item_kendall_tau_b"
        case .sparsityBeyondEntropy: return "level_coefficient_item_fixed_effects"
        case .entropySparsityPatchCorrelation: return "partial_correlation_within_sequence"
        }
    }

    /// Where `p` comes from, as a stable identifier.
    public var pTest: String {
        switch self {
        case .entropyTracksLevel, .sparsityTracksLevel: return "page_L_two_sided"
        case .sparsityBeyondEntropy, .entropySparsityPatchCorrelation: return "cluster_robust_t_by_item"
        }
    }
}

/// Plain-language outcome of one test. Raw values are stable strings.
///
/// Rule (`Verdict.decide`): with fewer than 3 items, or any of estimate, CI or p undefined,
/// "insufficient data". Otherwise, if the corrected p is below α *and* the CI excludes 0, the sign of
/// the estimate decides: positive → "tracks difficulty", negative → "tracks inversely". Else
/// "no evidence". For test (d) "tracks difficulty" means a positive within-text association (higher
/// patch entropy goes with higher sparsity) and "tracks inversely" a negative one.
public enum Verdict: String, Sendable, Codable, CaseIterable {
    case tracksDifficulty = "tracks difficulty"
    case noEvidence = "no evidence"
    case tracksInversely = "tracks inversely"
    case insufficientData = "insufficient data"

    public static func decide(n: Int, estimate: Double?, ciLow: Double?, ciHigh: Double?,
                              correctedP: Double?, alpha: Double) -> Verdict {
        guard n >= 3, let estimate, let ciLow, let ciHigh, let correctedP else { return .insufficientData }
        let ciExcludesZero = ciLow > 0 || ciHigh < 0
        guard correctedP < alpha, ciExcludesZero, estimate != 0 else { return .noEvidence }
        return estimate > 0 ? .tracksDifficulty : .tracksInversely
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
                                     "ci_method", "n", "estimate", "ci_low", "ci_high", "p", "corrected_p", "verdict", "note"]

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
            lines.append("| \(r.test.rawValue) | \(r.ladder) | \(r.hook.isEmpty ? "—" : r.hook) | \(measure) | \(r.n) | "
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
