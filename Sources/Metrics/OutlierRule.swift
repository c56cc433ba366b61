/// How outlier ("massive activation") dimensions are chosen from reference statistics.
///
/// Rule (applied to the per-dimension mean magnitude μ|h|ᵢ over the in-distribution reference set):
/// 1. s = median of μ|h| over all d dimensions (mean of the two middle values for even d).
/// 2. Candidates are dimensions with μ|h|ᵢ > `factor` · s (strict). If s = 0 there are no candidates: a
///    reference set in which most dimensions are exactly zero has no meaningful "typical" magnitude.
/// 3. Candidates are ranked by μ|h| descending (ties: lower index first) and at most
///    m_max = min(d − 1, max(1, ⌊`maximumFraction` · d⌋)) are kept, so at least one dimension survives.
/// 4. The chosen dimensions are returned in ascending index order.
///
/// Defaults: factor 10, maximumFraction 0.01 (m ≤ 20 for d = 2048, ≤ 10 for d = 1024, ≤ 7 for d = 768).
/// Massive activations (Sun et al. 2024) are 10³–10⁴ times the median, so they pass easily; ordinary
/// per-dimension scale variation (a few ×) does not.
public struct OutlierRule: Sendable, Equatable, Codable {
    /// Multiple of the median mean-|h| a dimension must exceed.
    public var factor: Double
    /// Upper bound on m as a fraction of d (see the rule).
    public var maximumFraction: Double

    /// - Throws: `MetricsError.invalidParameter` if `factor < 1` or `maximumFraction` is outside [0, 1] or
    ///   either is not finite.
    public init(factor: Double, maximumFraction: Double) throws {
        guard factor.isFinite, factor >= 1 else {
            throw MetricsError.invalidParameter(argument: "factor", value: factor, requirement: "finite and ≥ 1")
        }
        guard maximumFraction.isFinite, (0...1).contains(maximumFraction) else {
            throw MetricsError.invalidParameter(argument: "maximumFraction", value: maximumFraction,
                                                requirement: "finite and in [0, 1]")
        }
        self.factor = factor
        self.maximumFraction = maximumFraction
    }

    /// factor 10, maximumFraction 0.01.
    public static let `default` = try! OutlierRule(factor: 10, maximumFraction: 0.01)  // ok: constant, valid arguments
    /// Never removes a dimension (`maximumCount` is 0 for every d).
    public static let none = OutlierRule(uncheckedFactor: .infinity, maximumFraction: 0)

    init(uncheckedFactor: Double, maximumFraction: Double) {
        self.factor = uncheckedFactor
        self.maximumFraction = maximumFraction
    }

    /// True for `OutlierRule.none`.
    public var isDisabled: Bool { factor == .infinity }

    /// Largest number of dimensions the rule may remove for dimension d.
    public func maximumCount(dimension d: Int) -> Int {
        guard d > 1, !isDisabled else { return 0 }
        let byFraction = Int((maximumFraction * Double(d)).rounded(.down))
        return min(d - 1, max(1, byFraction))
    }

    /// The outlier dimensions (ascending) for per-dimension mean magnitudes `meanAbsolute`.
    public func outlierDimensions(meanAbsolute: [Double]) -> [Int] {
        let d = meanAbsolute.count
        let cap = maximumCount(dimension: d)
        guard cap > 0 else { return [] }
        let sorted = meanAbsolute.sorted()
        let median = d % 2 == 1 ? sorted[d / 2] : 0.5 * (sorted[d / 2 - 1] + sorted[d / 2])
        guard median > 0 else { return [] }
        let limit = factor * median
        let candidates = meanAbsolute.indices
            .filter { meanAbsolute[$0] > limit }
            .sorted { meanAbsolute[$0] != meanAbsolute[$1] ? meanAbsolute[$0] > meanAbsolute[$1] : $0 < $1 }
        return Array(candidates.prefix(cap)).sorted()
    }
}

/// A frozen in-distribution reference: per-dimension mean and standard deviation plus the outlier set.
///
/// Built with `ReferenceStatistics.profile(rule:)`; `Codable` so a study can store and reuse it.
public struct ReferenceProfile: Sendable, Equatable, Codable {
    /// Per-dimension mean of h on the reference set.
    public let mean: [Double]
    /// Per-dimension population standard deviation of h on the reference set.
    public let standardDeviation: [Double]
    /// Outlier dimensions removed by the `withoutOutliers` variant, ascending.
    public let outlierDimensions: [Int]
    /// Dimensions kept by the `withoutOutliers` variant (the complement of `outlierDimensions`), ascending.
    public let keptDimensions: [Int]
    /// Dimensions used by the `zScored` variant: those with σᵢ > 0. A dimension that was constant on the
    /// reference set has no defined z-score and is left out (the variant's d shrinks accordingly).
    public let zScoredDimensions: [Int]
    /// Number of reference vectors.
    public let referenceCount: Int
    /// The rule that chose `outlierDimensions`.
    public let rule: OutlierRule

    /// - Throws: `MetricsError.shapeMismatch` if `mean` and `standardDeviation` differ in length,
    ///   `MetricsError.outOfRange` for an outlier index outside 0..<d, `MetricsError.empty` for d = 0,
    ///   `MetricsError.invalidParameter` for a negative or non-finite σ or a non-finite mean.
    public init(mean: [Double], standardDeviation: [Double], outlierDimensions: [Int], referenceCount: Int,
                rule: OutlierRule) throws {
        let d = mean.count
        guard d > 0 else { throw MetricsError.empty(argument: "mean") }
        guard standardDeviation.count == d else {
            throw MetricsError.shapeMismatch(argument: "standardDeviation", expected: d,
                                             actual: standardDeviation.count)
        }
        for (i, m) in mean.enumerated() where !m.isFinite {
            throw MetricsError.nonFinite(argument: "mean", index: i, value: m)
        }
        for s in standardDeviation where !(s.isFinite && s >= 0) {
            throw MetricsError.invalidParameter(argument: "standardDeviation", value: s,
                                                requirement: "finite and ≥ 0")
        }
        let outliers = Set(outlierDimensions)
        for i in outliers where !(0..<d).contains(i) {
            throw MetricsError.outOfRange(argument: "outlierDimensions", value: i, validRange: "0..<\(d)")
        }
        guard outliers.count < d else {
            throw MetricsError.outOfRange(argument: "outlierDimensions.count", value: outliers.count,
                                          validRange: "0..<\(d) (at least one dimension must remain)")
        }
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.outlierDimensions = outliers.sorted()
        self.keptDimensions = (0..<d).filter { !outliers.contains($0) }
        self.zScoredDimensions = (0..<d).filter { standardDeviation[$0] > 0 }
        self.referenceCount = referenceCount
        self.rule = rule
    }

    /// Dimension d.
    public var dimension: Int { mean.count }
}
