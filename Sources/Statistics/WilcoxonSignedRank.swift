/// Result of the Wilcoxon signed-rank test with its matched-pairs rank-biserial effect size.
public struct WilcoxonResult: Sendable, Equatable, Codable {
    /// Number of pairs given, and number with a nonzero difference (zeros are dropped, "wilcox").
    public var n: Int
    public var nonzeroCount: Int
    /// Sum of ranks of positive and of negative differences.
    public var rankSumPositive: Double
    public var rankSumNegative: Double
    /// scipy's reported statistic: min(R+, R−) for two-sided, R+ otherwise.
    public var statistic: Double
    /// nil for n < 3 pairs or when every difference is zero.
    public var pValue: Double?
    /// "exact", "permutation" (all 2ⁿ sign flips) or "asymptotic"; nil without a p-value.
    public var pMethod: String?
    /// Matched-pairs rank-biserial correlation (R+ − R−)/(R+ + R−) ∈ [−1, 1] over nonzero
    /// differences (Kerby 2014); positive when x tends to exceed y. nil if every difference is zero.
    public var rankBiserial: Double?
}

public enum WilcoxonSignedRank {
    /// Wilcoxon signed-rank test of d = x − y reproducing `scipy.stats.wilcoxon(x, y)` defaults
    /// (zero_method "wilcox", no continuity correction, method "auto"):
    /// - n > 50 pairs: normal approximation with tie-corrected variance;
    /// - otherwise no ties and no zeros: exact null distribution of R+ (statistic rounded outward when
    ///   non-integral, as scipy does);
    /// - otherwise (ties or zeros) n ≤ 13: exact enumeration of all 2ⁿ sign flips of d (scipy's
    ///   permutation test with its tolerance for numerically equal statistics); n > 13: normal
    ///   approximation.
    ///
    /// - Returns: p nil for n < 3 or all-zero differences (documented deviation: scipy reports p for
    ///   n ≥ 1); rank-biserial nil if all differences are zero.
    /// - Throws: `StatisticsError` for length mismatches or non-finite values.
    public static func test(_ x: [Double], _ y: [Double], alternative: Alternative = .twoSided) throws -> WilcoxonResult {
        try requireSameLength(x, "x", y, "y")
        try requireFinite(x, "x"); try requireFinite(y, "y")
        return try test(differences: zip(x, y).map { $0 - $1 }, alternative: alternative)
    }

    /// The same test on paired differences directly.
    public static func test(differences d: [Double], alternative: Alternative = .twoSided) throws -> WilcoxonResult {
        try requireFinite(d, "differences")
        let n = d.count
        let (rPlus, rMinus, nonzero, hasTies, se) = signedRankStatistic(d)
        let zeroCount = n - nonzero
        let statistic = alternative == .twoSided ? min(rPlus, rMinus) : rPlus
        let rankBiserial: Double? = nonzero == 0 ? nil : (rPlus - rMinus) / (rPlus + rMinus)
        var result = WilcoxonResult(n: n, nonzeroCount: nonzero, rankSumPositive: rPlus, rankSumNegative: rMinus,
                                    statistic: statistic, pValue: nil, pMethod: nil, rankBiserial: rankBiserial)
        guard n >= 3, nonzero >= 1 else { return result }

        let method: String
        if n > 50 { method = "asymptotic" }
        else if !hasTies && zeroCount == 0 { method = "exact" }
        else if n <= 13 { method = "permutation" }
        else { method = "asymptotic" }

        var p: Double
        switch method {
        case "exact":
            let distribution = exactDistribution(nonzero)
            func cdf(_ k: Int) -> Double {
                guard k >= 0 else { return 0 }
                let mean = Double(nonzero * (nonzero + 1)) / 4
                if Double(k) <= mean { return distribution[0...min(k, distribution.count - 1)].reduce(0, +) }
                return 1 - sf(k + 1)
            }
            func sf(_ k: Int) -> Double {
                let mean = Double(nonzero * (nonzero + 1)) / 4
                if Double(k) <= mean { return 1 - cdf(k - 1) }
                guard k < distribution.count else { return 0 }
                return distribution[k...].reduce(0, +)
            }
            switch alternative {
            case .less: p = cdf(Int(rPlus.rounded(.up)))
            case .greater: p = sf(Int(rPlus.rounded(.down)))
            case .twoSided: p = min(1, 2 * min(sf(Int(rPlus.rounded(.down))), cdf(Int(rPlus.rounded(.up)))))
            }
        case "permutation":
            // All 2ⁿ sign assignments of d (zeros stay zero); statistic R+ recomputed each time.
            let count = 1 << n
            var less = 0, greater = 0
            let gamma = abs(100 * Double.ulpOfOne * rPlus)
            var flipped = d
            for mask in 0..<count {
                for i in 0..<n { flipped[i] = (mask >> i) & 1 == 1 ? -d[i] : d[i] }
                let r = signedRankStatistic(flipped).rPlus
                if r <= rPlus + gamma { less += 1 }
                if r >= rPlus - gamma { greater += 1 }
            }
            let pLess = Double(less) / Double(count), pGreater = Double(greater) / Double(count)
            switch alternative {
            case .less: p = pLess
            case .greater: p = pGreater
            case .twoSided: p = 2 * min(pLess, pGreater)
            }
        default:
            let mean = Double(nonzero) * Double(nonzero + 1) / 4
            let z = se > 0 ? (rPlus - mean) / se : 0
            switch alternative {
            case .less: p = SpecialFunctions.normalCDF(z)
            case .greater: p = SpecialFunctions.normalSF(z)
            case .twoSided: p = 2 * SpecialFunctions.normalSF(abs(z))
            }
        }
        result.pValue = min(1, max(0, p))
        result.pMethod = method
        return result
    }

    /// R+, R−, the nonzero count, whether nonzero |d| has ties, and the tie-corrected null SD of R+.
    static func signedRankStatistic(_ d: [Double]) -> (rPlus: Double, rMinus: Double, nonzero: Int, hasTies: Bool, se: Double) {
        let nonzeroValues = d.filter { $0 != 0 }
        let ranks = Ranking.averageRanks(nonzeroValues.map { abs($0) })
        var rPlus = 0.0, rMinus = 0.0
        for (v, r) in zip(nonzeroValues, ranks) { if v > 0 { rPlus += r } else { rMinus += r } }
        let ties = Ranking.tieGroupSizes(nonzeroValues.map { abs($0) })
        let c = Double(nonzeroValues.count)
        let tieCorrection = ties.reduce(0.0) { $0 + Double($1 * $1 * $1 - $1) }
        let se = ((c * (c + 1) * (2 * c + 1) - tieCorrection / 2) / 24).squareRoot()
        return (rPlus, rMinus, nonzeroValues.count, !ties.isEmpty, se)
    }

    /// Null pmf of R+ for n untied nonzero differences, indices 0 … n(n+1)/2.
    static func exactDistribution(_ n: Int) -> [Double] {
        var c: [Double] = [1]
        if n >= 1 {
            for k in 1...n {
                var next = [Double](repeating: 0, count: k * (k + 1) / 2 + 1)
                let m = c.count
                for i in 0..<m { next[i] += 0.5 * c[i]; next[next.count - m + i] += 0.5 * c[i] }
                c = next
            }
        }
        return c
    }
}
