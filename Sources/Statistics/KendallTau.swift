#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Correlation {
    /// Kendall's τ-b (ties in either variable handled) with scipy's default p-value
    /// (`scipy.stats.kendalltau(method="auto")`):
    /// - exact null distribution when there are no ties and (n ≤ 33 or min(discordant, concordant) ≤ 1);
    /// - otherwise the normal approximation of S = concordant − discordant with the tie-corrected
    ///   variance (Kendall 1970), which scipy uses for every tied case.
    ///
    /// O(n²) pair counting, fine for the per-item series it is used on (levels per item, a few hundred
    /// points at most).
    ///
    /// - Returns: estimate nil for n < 2 or when every pair is tied in x or in y (a constant vector);
    ///   p nil for n < 3.
    public static func kendallTauB(_ x: [Double], _ y: [Double],
                                   alternative: Alternative = .twoSided) throws -> CorrelationResult {
        try requireSameLength(x, "x", y, "y")
        try requireFinite(x, "x"); try requireFinite(y, "y")
        let n = x.count
        guard n >= 2 else { return CorrelationResult(n: n, estimate: nil, pValue: nil, pMethod: nil) }
        var sMinus = 0, discordant = 0, xTies = 0, yTies = 0
        for i in 0..<n {
            for j in (i + 1)..<n {
                let sx = signum(x[j] - x[i]), sy = signum(y[j] - y[i])
                if sx == 0 { xTies += 1 }
                if sy == 0 { yTies += 1 }
                let product = sx * sy
                sMinus += product
                if product < 0 { discordant += 1 }
            }
        }
        let total = n * (n - 1) / 2
        if xTies == total || yTies == total {
            return CorrelationResult(n: n, estimate: nil, pValue: nil, pMethod: nil)
        }
        var tau = Double(sMinus) / (Double(total - xTies).squareRoot() * Double(total - yTies).squareRoot())
        tau = min(1, max(-1, tau))
        guard n >= 3 else { return CorrelationResult(n: n, estimate: tau, pValue: nil, pMethod: nil) }

        let useExact = xTies == 0 && yTies == 0 && (n <= 33 || min(discordant, total - discordant) <= 1)
        if useExact {
            let p = kendallExactPValue(n: n, concordant: total - discordant, alternative: alternative)
            return CorrelationResult(n: n, estimate: tau, pValue: p, pMethod: "exact")
        }
        func tieTerms(_ v: [Double]) -> (Double, Double) {
            var t0 = 0.0, t1 = 0.0
            for t in Ranking.tieGroupSizes(v) {
                let c = Double(t)
                t0 += c * (c - 1) * (c - 2)
                t1 += c * (c - 1) * (2 * c + 5)
            }
            return (t0, t1)
        }
        let (x0, x1) = tieTerms(x), (y0, y1) = tieTerms(y)
        let nn = Double(n), m = nn * (nn - 1)
        let variance = (m * (2 * nn + 5) - x1 - y1) / 18
            + 2 * Double(xTies) * Double(yTies) / m
            + x0 * y0 / (9 * m * (nn - 2))
        let z = Double(sMinus) / variance.squareRoot()
        let p: Double
        switch alternative {
        case .twoSided: p = 2 * SpecialFunctions.normalSF(abs(z))
        case .greater: p = SpecialFunctions.normalSF(z)
        case .less: p = SpecialFunctions.normalCDF(z)
        }
        return CorrelationResult(n: n, estimate: tau, pValue: min(1, p), pMethod: "asymptotic")
    }

    @inline(__always)
    private static func signum(_ v: Double) -> Int { v > 0 ? 1 : (v < 0 ? -1 : 0) }

    /// Exact p-value of Kendall's statistic without ties, from the distribution of the number of
    /// concordant pairs (Mahonian numbers), mirroring `scipy.stats._mstats_basic._kendall_p_exact`.
    static func kendallExactPValue(n: Int, concordant cIn: Int, alternative: Alternative) -> Double {
        let total = n * (n - 1) / 2
        let inRightTail = cIn >= total - cIn
        let c = min(cIn, total - cIn)
        var prob: Double
        var massAtC = 0.0
        func factorial(_ k: Int) -> Double { k <= 1 ? 1 : (2...k).reduce(1.0) { $0 * Double($1) } }
        if n == 1 {
            prob = 1; massAtC = 1
        } else if n == 2 {
            prob = 1; massAtC = 0.5
        } else if c == 0 {
            prob = n < 171 ? 2 / factorial(n) : 0
            massAtC = prob / 2
        } else if c == 1 {
            prob = n < 172 ? 2 / factorial(n - 1) : 0
            massAtC = n < 171 ? Double(n - 1) / factorial(n) : 0
        } else if 4 * c == n * (n - 1) && alternative == .twoSided {
            prob = 1
        } else {
            // counts[k] = number of permutations of j elements with k inversions, truncated at c,
            // built by the cumulative-sum recurrence; scaled by 1/j each step to stay in range.
            var counts = [Double](repeating: 0, count: c + 1)
            counts[0] = 1; if c >= 1 { counts[1] = 1 }
            if n >= 3 {
                for j in 3...n {
                    var cumulative = counts
                    for k in 1...c { cumulative[k] = cumulative[k - 1] + counts[k] }
                    var next = cumulative
                    if j <= c { for k in j...c { next[k] = cumulative[k] - cumulative[k - j] } }
                    for k in 0...c { next[k] /= Double(j) }
                    counts = next
                }
            }
            // The first two steps (j = 1, 2) were never divided, so counts[k] = 2 · count_k / n! and
            // the sum is twice the left-tail probability: the two-sided p-value.
            prob = counts.reduce(0, +)
            massAtC = counts[c] / 2
        }
        if alternative != .twoSided {
            if inRightTail == (alternative == .greater) {
                prob /= 2
            } else {
                prob = 1 - prob / 2 + massAtC
            }
        }
        return min(1, max(0, prob))
    }
}
