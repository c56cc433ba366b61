/// Kind of bootstrap confidence interval.
public enum BootstrapMethod: String, Sendable, Codable {
    /// Quantiles α/2 and 1 − α/2 of the bootstrap distribution.
    case percentile
    /// Bias-corrected and accelerated (Efron 1987), as `scipy.stats.bootstrap(method="BCa")`, with the
    /// acceleration from a leave-one-cluster-out jackknife.
    case bca
}

/// A bootstrap confidence interval.
public struct BootstrapInterval: Sendable, Equatable, Codable {
    public var estimate: Double
    public var low: Double
    public var high: Double
    public var level: Double
    /// The method actually used. BCa falls back to percentile when it is undefined (see `ClusterBootstrap`).
    public var method: BootstrapMethod
    /// Resamples whose statistic was defined and used.
    public var usedResamples: Int
    /// Bias correction z₀ and acceleration a (BCa only).
    public var biasCorrection: Double?
    public var acceleration: Double?
}

/// Cluster (e.g. item) bootstrap: each resample draws G clusters with replacement and the statistic is
/// recomputed on the chosen clusters, so within-cluster dependence (levels of one item, patches of one
/// text) is respected. A cluster drawn twice counts as two distinct clusters.
public enum ClusterBootstrap {
    /// `count` resamples of G cluster indices each, drawn with `SplitMix64(seed:)`. Deterministic.
    public static func resampleIndices(clusterCount: Int, count: Int, seed: UInt64) -> [[Int]] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in (0..<clusterCount).map { _ in rng.nextIntMultiplyShift(below: clusterCount) } }
    }

    /// Confidence interval for `statistic` from explicit resamples.
    ///
    /// - Parameters:
    ///   - clusterCount: G; `statistic(Array(0..<G))` is the point estimate.
    ///   - resamples: each a list of cluster indices in 0..<G (typically G of them, with repeats).
    ///   - statistic: the estimate on a multiset of clusters; nil where undefined (e.g. a constant
    ///     resample). Resamples giving nil are skipped and counted out of `usedResamples`.
    ///   - level: confidence level in (0, 1).
    /// - Returns: nil when the point estimate is undefined, G < 2, or fewer than 2 resamples (or
    ///   fewer than half of them) give a defined statistic.
    ///   BCa falls back to the percentile interval (reported in `method`) when the jackknife has an
    ///   undefined value or the estimate lies outside every bootstrap value (z₀ infinite), where
    ///   scipy would return NaN. Zero jackknife spread gives acceleration 0. Bootstrap values within
    ///   a relative 100·ε of the estimate count as equal to it when computing z₀ (scipy compares
    ///   exactly; identical results unless values tie with the estimate up to rounding).
    ///   Quantiles use linear interpolation (numpy/scipy default, "type 7").
    ///   - batchStatistic: optional; `statistic` of several resamples at once (in order), for statistics
    ///     that vectorise across resamples. It must give exactly `statistic`'s values (the point estimate
    ///     and the jackknife still use `statistic`).
    public static func interval(clusterCount: Int, resamples: [[Int]], level: Double = 0.95,
                                method: BootstrapMethod = .bca,
                                statistic: ([Int]) -> Double?,
                                batchStatistic: ((ArraySlice<[Int]>) -> [Double?])? = nil) throws -> BootstrapInterval? {
        guard level > 0, level < 1 else {
            throw StatisticsError.invalidParameter(name: "level", reason: "\(level) is not in (0, 1)")
        }
        for resample in resamples where resample.contains(where: { $0 < 0 || $0 >= clusterCount }) {
            throw StatisticsError.invalidParameter(name: "resamples", reason: "cluster index outside 0..<\(clusterCount)")
        }
        guard clusterCount >= 2, let estimate = statistic(Array(0..<clusterCount)), estimate.isFinite else { return nil }
        var distribution: [Double] = []
        distribution.reserveCapacity(resamples.count)
        if let batchStatistic {
            for start in stride(from: 0, to: resamples.count, by: batchSize) {
                for v in batchStatistic(resamples[start..<min(start + batchSize, resamples.count)]) {
                    if let v, v.isFinite { distribution.append(v) }
                }
            }
        } else {
            for resample in resamples {
                if let v = statistic(resample), v.isFinite { distribution.append(v) }
            }
        }
        guard distribution.count >= 2, 2 * distribution.count >= resamples.count else { return nil }
        distribution.sort()
        let alpha = (1 - level) / 2
        var result = BootstrapInterval(estimate: estimate, low: quantile(sorted: distribution, alpha),
                                       high: quantile(sorted: distribution, 1 - alpha), level: level,
                                       method: .percentile, usedResamples: distribution.count,
                                       biasCorrection: nil, acceleration: nil)
        guard method == .bca else { return result }

        // Bias correction from the share of bootstrap values below the estimate, ties counting half.
        // Values within 100·ε (relative) of the estimate count as ties: for discrete statistics such as
        // a mean of Kendall τs many resamples equal the estimate in exact arithmetic, and an exact
        // comparison (scipy's) would make the interval depend on floating-point summation order.
        let gamma = abs(100 * Double.ulpOfOne * estimate)
        let below = distribution.reduce(0) { $0 + ($1 < estimate - gamma ? 1 : 0) }
        let belowOrEqual = distribution.reduce(0) { $0 + ($1 <= estimate + gamma ? 1 : 0) }
        let z0 = SpecialFunctions.normalQuantile(Double(below + belowOrEqual) / Double(2 * distribution.count))
        guard z0.isFinite else { return result }
        var jackknife: [Double] = []
        for left in 0..<clusterCount {
            let kept = (0..<clusterCount).filter { $0 != left }
            guard let v = statistic(kept), v.isFinite else { return result }
            jackknife.append(v)
        }
        let g = Double(clusterCount)
        let jackMean = jackknife.reduce(0, +) / g
        var sum2 = 0.0, sum3 = 0.0
        for v in jackknife {
            let u = (g - 1) * (jackMean - v)
            sum2 += u * u; sum3 += u * u * u
        }
        let a = sum2 > 0 ? (sum3 / (g * g * g)) / (6 * pow15(sum2 / (g * g))) : 0
        let zAlpha = SpecialFunctions.normalQuantile(alpha)
        func adjusted(_ z: Double) -> Double {
            let num = z0 + z
            return SpecialFunctions.normalCDF(z0 + num / (1 - a * num))
        }
        let lowLevel = adjusted(zAlpha), highLevel = adjusted(-zAlpha)
        guard lowLevel.isFinite, highLevel.isFinite else { return result }
        result.low = quantile(sorted: distribution, lowLevel)
        result.high = quantile(sorted: distribution, highLevel)
        result.method = .bca
        result.biasCorrection = z0
        result.acceleration = a
        return result
    }

    /// Seeded convenience: draws `resampleCount` resamples with `resampleIndices` and calls `interval`.
    public static func interval(clusterCount: Int, resampleCount: Int = 2000, seed: UInt64, level: Double = 0.95,
                                method: BootstrapMethod = .bca,
                                statistic: ([Int]) -> Double?,
                                batchStatistic: ((ArraySlice<[Int]>) -> [Double?])? = nil) throws -> BootstrapInterval? {
        try interval(clusterCount: clusterCount,
                     resamples: resampleIndices(clusterCount: clusterCount, count: resampleCount, seed: seed),
                     level: level, method: method, statistic: statistic, batchStatistic: batchStatistic)
    }

    /// Resamples handed to a `batchStatistic` at a time (the lanes of CKernels' batched solves).
    public static let batchSize = 8

    private static func pow15(_ x: Double) -> Double { x * x.squareRoot() }

    /// Linear-interpolation quantile of sorted data (numpy `quantile(method="linear")`), q clamped to [0, 1].
    public static func quantile(sorted: [Double], _ q: Double) -> Double {
        let clamped = min(1, max(0, q))
        let h = Double(sorted.count - 1) * clamped
        let lower = Int(h.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        return sorted[lower] + (h - Double(lower)) * (sorted[upper] - sorted[lower])
    }
}
