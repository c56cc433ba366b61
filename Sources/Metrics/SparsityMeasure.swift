/// The per-vector measures ByteLens computes on one activation vector h ∈ ℝᵈ.
///
/// Notation: a = |h| (element-wise), L1 = Σaᵢ, E = Σaᵢ² (energy), L2 = √E, RMS = √(E/d).
/// All sums are accumulated in `Double` from `Float` inputs.
///
/// The raw values are stable strings used as HDF5 column names; never rename a case's raw value.
/// Degenerate inputs (see `SparsityValues.init(measuring:)`):
/// - empty vector or any NaN/±∞ entry: the computation throws `MetricsError` (no silent NaN);
/// - constant vector (all |hᵢ| equal, including d = 1): every sparsity measure takes its "densest" value;
/// - zero vector: treated as the constant vector with value 0 (same values as a constant vector),
///   except the near-zero fraction, which is 1 because every entry satisfies |hᵢ| ≤ 0.1·RMS = 0.
public enum SparsityMeasure: String, CaseIterable, Sendable, Codable, Hashable {
    /// Hoyer (2004): (√d − L1/L2)/(√d − 1). Range [0, 1]: 0 for a constant vector, 1 for one-hot.
    /// Zero vector → 0. d = 1 → 0 (a single entry has no spread; matches Gini's maximum 1 − 1/d = 0).
    /// The result is clamped to [0, 1] to remove rounding excursions of order 1e-16.
    /// Scale-invariant, satisfies Robin Hood, rising tide, Bill Gates and babies; fails cloning.
    /// **Primary measure** of the study. Higher = sparser.
    case hoyer = "hoyer"
    /// Gini index (Hurley & Rickard 2009): with a sorted ascending (a₍₁₎ ≤ … ≤ a₍d₎),
    /// 2·Σₖ k·a₍ₖ₎/(d·L1) − (d+1)/d. Range [0, 1 − 1/d]: 0 for a constant vector, 1 − 1/d for one-hot.
    /// Zero vector → 0. Meets all six Hurley–Rickard criteria (including cloning). Higher = sparser.
    case gini = "gini"
    /// Share of energy in the top k = max(1, ⌈d/100⌉) entries: Σ_top-k aᵢ² / E. Range [k/d, 1].
    /// Constant and zero vector → k/d. Higher = sparser.
    case top1Energy = "top1_energy"
    /// As `top1Energy` with k = max(1, ⌈5d/100⌉). Higher = sparser.
    case top5Energy = "top5_energy"
    /// As `top1Energy` with k = max(1, ⌈10d/100⌉). Higher = sparser.
    case top10Energy = "top10_energy"
    /// Participation ratio over d: (E²/Σaᵢ⁴)/d. Range [1/d, 1]: 1 for a constant vector, 1/d for one-hot.
    /// Zero vector → 1. Lower = sparser.
    case participationRatio = "participation_ratio"
    /// Energy effective dimension over d: exp(H)/d with H = −Σ pᵢ ln pᵢ, pᵢ = aᵢ²/E (terms with pᵢ = 0
    /// contribute 0). Range [1/d, 1]: 1 for a constant vector, 1/d for one-hot. Zero vector → 1.
    /// Lower = sparser.
    case energyEffectiveDimension = "energy_effective_dim"
    /// Fraction of entries with |hᵢ| ≤ 0.1·RMS. Range [0, 1]. Constant nonzero vector → 0; zero vector → 1.
    /// A diagnostic step function (fails "Bill Gates"); higher = sparser.
    case nearZeroFraction = "near_zero_fraction"
    /// Excess kurtosis of the **signed** entries (population moments, like `scipy.stats.kurtosis` with
    /// `fisher=True, bias=True`): m₄/m₂² − 3 with mᵣ = (1/d)Σ(hᵢ − h̄)ʳ. Range [−2, ∞).
    /// Constant and zero vector (m₂ = 0) and d = 1 → 0 (no spread, no tail). Diagnostic, not a sparsity measure.
    case excessKurtosis = "excess_kurtosis"
    /// Euclidean norm L2 = √E. Scale-dependent; a diagnostic, not a sparsity measure. Zero vector → 0.
    case l2Norm = "l2_norm"

    /// How a larger value of the measure should be read.
    public enum Direction: String, Sendable, Codable {
        /// A larger value means the vector is sparser (more concentrated).
        case higherIsSparser = "higher_is_sparser"
        /// A larger value means the vector is denser (less concentrated).
        case lowerIsSparser = "lower_is_sparser"
        /// A diagnostic that is not a sparsity measure (norm, kurtosis).
        case notASparsityMeasure = "not_a_sparsity_measure"
    }

    /// Reading direction of the measure (used to orient verdicts: "tracks difficulty" means "sparser when harder").
    public var direction: Direction {
        switch self {
        case .hoyer, .gini, .top1Energy, .top5Energy, .top10Energy, .nearZeroFraction: return .higherIsSparser
        case .participationRatio, .energyEffectiveDimension: return .lowerIsSparser
        case .excessKurtosis, .l2Norm: return .notASparsityMeasure
        }
    }

    /// The HDF5 column name; equal to `rawValue`.
    public var columnName: String { rawValue }

    /// The study's pre-registered primary measure.
    public static let primary: SparsityMeasure = .hoyer

    /// Percent ρ·100 of entries kept by the top-k energy measures, nil for the others.
    public var topPercent: Int? {
        switch self {
        case .top1Energy: return 1
        case .top5Energy: return 5
        case .top10Energy: return 10
        default: return nil
        }
    }

    /// Number of entries k = max(1, ⌈percent·d/100⌉) used by a top-k energy measure (integer arithmetic,
    /// so no rounding surprises at ρd integral). Returns 0 for d = 0.
    public static func topCount(percent: Int, dimension d: Int) -> Int {
        guard d > 0 else { return 0 }
        return min(d, max(1, (percent * d + 99) / 100))
    }
}

/// The three representations each measure is computed on.
public enum SparsityVariant: String, CaseIterable, Sendable, Codable, Hashable {
    /// The vector as recorded at the hook.
    case raw = "raw"
    /// The vector with the reference set's outlier ("massive activation") dimensions removed
    /// (see `ReferenceProfile.outlierDimensions`).
    case withoutOutliers = "no_outliers"
    /// Per-dimension z-scores zᵢ = (hᵢ − μᵢ)/σᵢ against the reference set, over dimensions with σᵢ > 0.
    case zScored = "z"

    /// Column-name suffix appended after the measure name ("" for raw).
    public var columnSuffix: String {
        switch self {
        case .raw: return ""
        case .withoutOutliers: return "_no_outliers"
        case .zScored: return "_z"
        }
    }

    /// The HDF5 column name of `measure` in this variant, e.g. "hoyer", "hoyer_no_outliers", "hoyer_z".
    public func columnName(_ measure: SparsityMeasure) -> String { measure.rawValue + columnSuffix }
}

extension SparsityVariant {
    /// The measure and variant of an HDF5 measure column name ("participation_ratio_z" → participation
    /// ratio, z-scored); nil for a name no measure × variant produces.
    public static func parse(columnName: String) -> (measure: SparsityMeasure, variant: SparsityVariant)? {
        for variant in [SparsityVariant.withoutOutliers, .zScored, .raw] {
            guard columnName.hasSuffix(variant.columnSuffix) else { continue }
            if let measure = SparsityMeasure(rawValue: String(columnName.dropLast(variant.columnSuffix.count))) {
                return (measure, variant)
            }
        }
        return nil
    }
}
