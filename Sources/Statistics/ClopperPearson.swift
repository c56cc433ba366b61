/// The exact (Clopper–Pearson) confidence interval of a binomial proportion: the set of rates p whose
/// two one-sided binomial tests at (1 − confidence)/2 do not reject `successes` of `trials`.
///
/// Bounds are quantiles of Beta distributions — lower = B⁻¹((1−c)/2; k, n−k+1) (0 when k = 0),
/// upper = B⁻¹((1+c)/2; k+1, n−k) (1 when k = n) — found by bisection on the regularized incomplete
/// beta function to 1e-12 (matches `scipy.stats.binomtest(k, n).proportion_ci(method="exact")`).
/// Conservative: coverage is at least `confidence` for every p.
public enum ClopperPearson {
    public static func interval(successes k: Int, trials n: Int, confidence: Double = 0.95) throws -> (lower: Double, upper: Double) {
        guard n >= 1, k >= 0, k <= n else {
            throw StatisticsError.invalidParameter(name: "successes", reason: "need 0 ≤ successes ≤ trials and trials ≥ 1, got \(k) of \(n)")
        }
        guard confidence > 0, confidence < 1 else {
            throw StatisticsError.invalidParameter(name: "confidence", reason: "must be in (0, 1), got \(confidence)")
        }
        let tail = (1 - confidence) / 2
        let lower = k == 0 ? 0 : betaQuantile(tail, Double(k), Double(n - k + 1))
        let upper = k == n ? 1 : betaQuantile(1 - tail, Double(k + 1), Double(n - k))
        return (lower, upper)
    }

    /// The x with I_x(a, b) = q, by bisection (I is increasing in x on [0, 1]).
    static func betaQuantile(_ q: Double, _ a: Double, _ b: Double) -> Double {
        var lo = 0.0, hi = 1.0
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if SpecialFunctions.regularizedIncompleteBeta(a, b, mid) < q { lo = mid } else { hi = mid }
            if hi - lo < 1e-12 { break }
        }
        return (lo + hi) / 2
    }
}
