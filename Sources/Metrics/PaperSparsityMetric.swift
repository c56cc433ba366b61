import Foundation

/// The sparsity metrics of Jin et al., "Farther the Shift, Sparser the Representation" (arXiv 2603.03415),
/// exactly as their released code computes them (`MingyuJ666/sparsityLLM` at commit 1012820,
/// difficulty_and_metrics.md §A.3), for `probe run --protocol sparsity-paper`.
///
/// They differ from ByteLens' own ``SparsityMeasure`` in small ways that matter for a replication:
/// top-k keeps k = max(1, ⌊ρ·d⌋) entries (ByteLens: ⌈ρ·d⌉), kurtosis is taken of |h| (ByteLens: of the
/// signed entries), entropies carry the code's 1e-10 guard, and the paper has two "effective rank" and two
/// "top-k ratio" variants — one on energy (squares), one on L1 mass — which are named apart here.
///
/// Notation: h ∈ ℝᵈ, a = |h|, L1 = Σaᵢ, E = Σaᵢ². All sums run in `Double` over `Float` inputs.
/// Degenerate vectors follow the paper's code where it defines a value (a zero vector gives 0 for the
/// top-k ratios, Gini, Hoyer and participation ratio) and otherwise the "no spread" value named per case,
/// so no metric is ever NaN: scipy and torch would give NaN for the kurtosis of a constant vector and the
/// sample standard deviation of one entry.
public enum PaperSparsityMetric: String, CaseIterable, Sendable, Codable, Hashable {
    /// `l1_norm`: Σaᵢ. Scale-dependent; the paper reads lower as sparser.
    case l1Norm = "l1_norm"
    /// `top1pct_energy`: Σ of the k = max(1, ⌊0.01·d⌋) largest aᵢ² over E; 0 for E = 0. Higher = sparser.
    case top1pctEnergy = "top1pct_energy"
    /// `top5pct_energy`, k = max(1, ⌊0.05·d⌋). The paper's headline metric. Higher = sparser.
    case top5pctEnergy = "top5pct_energy"
    /// `top10pct_energy`, k = max(1, ⌊0.10·d⌋). Higher = sparser.
    case top10pctEnergy = "top10pct_energy"
    /// `top10pct_ratio` of `cot/utils/rank.py`: the same k, but L1 mass Σ_top aᵢ / L1; 0 for L1 = 0.
    case top10pctL1Ratio = "top10pct_l1_ratio"
    /// `effective_rank` (energy): exp(−Σ pᵢ ln(pᵢ + 1e-10))/d with pᵢ = hᵢ²/E (p = 0 for E = 0, giving 1/d).
    /// Lower = sparser.
    case effectiveRank = "effective_rank"
    /// `effective1_rank` of `rank.py` (L1): qᵢ = aᵢ/L1 + 1e-10, exp(−Σ qᵢ ln qᵢ)/d; a zero vector gives 1/d.
    /// Lower = sparser.
    case effectiveRankL1 = "effective1_rank"
    /// `hoyer`: (√d − L1/L2)/(√d − 1); 0 for L2 = 0 or d = 1. Higher = sparser.
    case hoyer = "hoyer"
    /// `gini` of a sorted ascending: 2Σₖ k·a₍ₖ₎/(d·L1) − (d+1)/d; 0 for L1 = 0. Higher = sparser.
    case gini = "gini"
    /// `kurtosis`: scipy's default excess kurtosis (Fisher, biased) **of |h|**: m₄/m₂² − 3 with central
    /// moments of a; 0 when m₂ = 0 (scipy: NaN). Higher = heavier tail.
    case kurtosisOfMagnitudes = "kurtosis"
    /// `participation_ratio`: (Σhᵢ²)²/Σhᵢ⁴/d; 0 for Σhᵢ⁴ = 0. Lower = sparser.
    case participationRatio = "participation_ratio"
    /// `l0_norm` of `rank.py`: the fraction of aᵢ > mean(a) + std(a), std with Bessel's correction (torch's
    /// default); 0 for d = 1. A density: the paper reads higher as easier (denser).
    case l0Density = "l0_norm"

    /// The paper's reading of a larger value, as the sign a "harder = sparser" claim predicts:
    /// +1 when the metric should rise with difficulty, −1 when it should fall, 0 for kurtosis (no claim).
    public var sparserSign: Int {
        switch self {
        case .top1pctEnergy, .top5pctEnergy, .top10pctEnergy, .top10pctL1Ratio, .hoyer, .gini: return 1
        case .l1Norm, .effectiveRank, .effectiveRankL1, .participationRatio, .l0Density: return -1
        case .kurtosisOfMagnitudes: return 0
        }
    }

    /// Human-readable name for tables, e.g. "top-5 % energy".
    public var displayName: String {
        switch self {
        case .l1Norm: return "L1 norm"
        case .top1pctEnergy: return "top-1 % energy"
        case .top5pctEnergy: return "top-5 % energy"
        case .top10pctEnergy: return "top-10 % energy"
        case .top10pctL1Ratio: return "top-10 % L1 mass"
        case .effectiveRank: return "effective rank (energy)"
        case .effectiveRankL1: return "effective rank (L1)"
        case .hoyer: return "Hoyer"
        case .gini: return "Gini"
        case .kurtosisOfMagnitudes: return "kurtosis of |h|"
        case .participationRatio: return "participation ratio"
        case .l0Density: return "l0 density"
        }
    }

    /// k = max(1, ⌊percent·d/100⌋) as the paper's `int(ρ·d)` (integer arithmetic), capped at d.
    public static func paperTopCount(percent: Int, dimension d: Int) -> Int {
        min(d, max(1, percent * d / 100))
    }

    /// Every metric of one vector, in ``allCases`` order.
    /// - Throws: `MetricsError.empty` or `.nonFinite` (naming the index) — never a NaN result.
    public static func values(of vector: [Float]) throws -> [Double] {
        try vector.withUnsafeBufferPointer { try values(of: $0) }
    }

    /// Buffer form of ``values(of:)-swift.type.method``.
    public static func values(of vector: UnsafeBufferPointer<Float>) throws -> [Double] {
        try validateFinite(vector, argument: "vector")
        let d = vector.count, dd = Double(d)
        let h = vector.map(Double.init)
        let a = h.map(abs)
        let l1 = a.reduce(0, +)
        let energy = a.reduce(0) { $0 + $1 * $1 }
        let fourth = h.reduce(0) { $0 + $1 * $1 * $1 * $1 }
        let l2 = energy.squareRoot()
        let descending = a.sorted(by: >)

        func topEnergy(_ percent: Int) -> Double {
            guard energy > 0 else { return 0 }
            return descending.prefix(paperTopCount(percent: percent, dimension: d)).reduce(0) { $0 + $1 * $1 } / energy
        }
        let top10L1 = l1 > 0 ? descending.prefix(paperTopCount(percent: 10, dimension: d)).reduce(0, +) / l1 : 0

        var entropy = 0.0
        if energy > 0 { for x in h { let p = x * x / energy; entropy -= p * Foundation.log(p + 1e-10) } }
        var entropyL1 = 0.0
        for x in a { let q = (l1 > 0 ? x / l1 : 0) + 1e-10; entropyL1 -= q * Foundation.log(q) }

        let hoyer = (l2 > 0 && d > 1) ? (dd.squareRoot() - l1 / l2) / (dd.squareRoot() - 1) : 0
        var gini = 0.0
        if l1 > 0 {
            var weighted = 0.0
            for (k, x) in descending.reversed().enumerated() { weighted += Double(k + 1) * x }
            gini = 2 * weighted / (dd * l1) - (dd + 1) / dd
        }
        let mean = l1 / dd
        var m2 = 0.0, m4 = 0.0
        for x in a { let c = x - mean; m2 += c * c; m4 += c * c * c * c }
        m2 /= dd; m4 /= dd
        let kurtosis = m2 > 0 ? m4 / (m2 * m2) - 3 : 0
        let participation = fourth > 0 ? energy * energy / fourth / dd : 0
        var l0 = 0.0
        if d > 1 {
            let sampleStd = (m2 * dd / (dd - 1)).squareRoot()
            l0 = Double(a.filter { $0 > mean + sampleStd }.count) / dd
        }
        let byMetric: [PaperSparsityMetric: Double] = [
            .l1Norm: l1, .top1pctEnergy: topEnergy(1), .top5pctEnergy: topEnergy(5), .top10pctEnergy: topEnergy(10),
            .top10pctL1Ratio: top10L1, .effectiveRank: Foundation.exp(entropy) / dd,
            .effectiveRankL1: Foundation.exp(entropyL1) / dd, .hoyer: hoyer, .gini: gini,
            .kurtosisOfMagnitudes: kurtosis, .participationRatio: participation, .l0Density: l0,
        ]
        return allCases.map { byMetric[$0]! }
    }
}
