#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A correlation coefficient with its p-value.
///
/// `estimate` is nil when the coefficient is undefined: fewer than two observations or a constant
/// input (zero variance, or all pairs tied for Kendall). `pValue` is nil whenever `estimate` is nil
/// and also for n < 3, where no meaningful test exists (scipy returns p = 1 for n = 2).
public struct CorrelationResult: Sendable, Equatable, Codable {
    public var n: Int
    public var estimate: Double?
    public var pValue: Double?
    /// How the p-value was obtained ("t", "exact", "asymptotic"), nil if there is none.
    public var pMethod: String?

    public init(n: Int, estimate: Double?, pValue: Double?, pMethod: String?) {
        self.n = n; self.estimate = estimate; self.pValue = pValue; self.pMethod = pMethod
    }
}

public enum Correlation {
    /// Pearson's r with the exact t-test p-value (scipy `pearsonr`, whose beta-distribution p-value is
    /// the same quantity: two-sided p = I_{1−r²}((n−2)/2, 1/2)).
    ///
    /// - Throws: `StatisticsError` for unequal lengths or non-finite values.
    /// - Returns: estimate nil for n < 2 or a constant input; p nil for n < 3.
    public static func pearson(_ x: [Double], _ y: [Double],
                               alternative: Alternative = .twoSided) throws -> CorrelationResult {
        try requireSameLength(x, "x", y, "y")
        try requireFinite(x, "x"); try requireFinite(y, "y")
        let n = x.count
        guard n >= 2, let r = pearsonCoefficient(x, y) else {
            return CorrelationResult(n: n, estimate: nil, pValue: nil, pMethod: nil)
        }
        guard n >= 3 else { return CorrelationResult(n: n, estimate: r, pValue: nil, pMethod: nil) }
        let p = correlationTTestPValue(r: r, df: Double(n - 2), alternative: alternative)
        return CorrelationResult(n: n, estimate: r, pValue: p, pMethod: "t")
    }

    /// Spearman's ρ: Pearson's r of the average ranks, p-value from the t approximation with n − 2
    /// degrees of freedom (scipy `spearmanr`). Same nil rules as `pearson`.
    public static func spearman(_ x: [Double], _ y: [Double],
                                alternative: Alternative = .twoSided) throws -> CorrelationResult {
        try requireSameLength(x, "x", y, "y")
        try requireFinite(x, "x"); try requireFinite(y, "y")
        return try pearson(Ranking.averageRanks(x), Ranking.averageRanks(y), alternative: alternative)
    }

    /// Pearson coefficient of two equal-length finite vectors; nil when either is constant or n < 2.
    /// Clipped to [−1, 1] against rounding.
    static func pearsonCoefficient(_ x: [Double], _ y: [Double]) -> Double? {
        let n = x.count
        guard n >= 2 else { return nil }
        let mx = x.reduce(0, +) / Double(n)
        let my = y.reduce(0, +) / Double(n)
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for i in 0..<n {
            let dx = x[i] - mx, dy = y[i] - my
            sxy += dx * dy; sxx += dx * dx; syy += dy * dy
        }
        // A "constant" vector after centring can leave rounding residue; treat relative residue below
        // 1e−28 of the squared magnitude as exactly constant (scipy warns and returns NaN there).
        let scaleX = x.reduce(0) { $0 + $1 * $1 }, scaleY = y.reduce(0) { $0 + $1 * $1 }
        if sxx <= 1e-28 * scaleX || sxx == 0 || syy <= 1e-28 * scaleY || syy == 0 { return nil }
        let r = sxy / (sxx.squareRoot() * syy.squareRoot())
        return min(1, max(-1, r))
    }

    /// p-value of the t-test of a correlation coefficient r with `df` residual degrees of freedom.
    /// Two-sided p = I_{df/(df+t²)}(df/2, 1/2) with t² = df·r²/(1−r²), i.e. I_{1−r²}(df/2, 1/2).
    static func correlationTTestPValue(r: Double, df: Double, alternative: Alternative) -> Double {
        let twoSided = SpecialFunctions.regularizedIncompleteBeta(df / 2, 0.5, max(0, 1 - r * r))
        switch alternative {
        case .twoSided: return min(1, twoSided)
        case .greater: return r >= 0 ? 0.5 * twoSided : 1 - 0.5 * twoSided
        case .less: return r <= 0 ? 0.5 * twoSided : 1 - 0.5 * twoSided
        }
    }
}
