/// Result of Page's L test for an increasing trend across ordered conditions.
public struct PageTrendResult: Sendable, Equatable, Codable {
    /// Blocks (rows, e.g. items) and conditions (columns, e.g. difficulty levels).
    public var blocks: Int
    public var conditions: Int
    /// L = Σ_j j · (sum of within-block ranks in column j), ranks averaged over ties.
    public var statistic: Double
    /// One-sided p-value for "values increase with the column order" (scipy's only alternative).
    public var pValue: Double
    /// "exact" or "asymptotic", chosen as scipy does.
    public var method: String
}

public enum PageTrendTest {
    /// Page's L trend test, reproducing `scipy.stats.page_trend_test(data)` (method "auto"):
    /// within-row average ranks; exact null distribution (convolution of the single-row distribution
    /// over all k! rank orders, evaluated at ⌊L⌋ as scipy does) unless k > 8, or m > 12 and k > 3, or
    /// m > 20, where the normal approximation Λ = (L − E₀)/√V₀ is used.
    ///
    /// - Parameter data: `data[block][condition]`, every row the same length, conditions in the
    ///   predicted increasing order.
    /// - Returns: nil when there are fewer than 2 blocks or 3 conditions (scipy raises there).
    /// - Throws: `StatisticsError` for ragged rows or non-finite values.
    public static func test(_ data: [[Double]]) throws -> PageTrendResult? {
        let m = data.count
        guard m >= 1 else { return nil }
        let k = data[0].count
        for (i, row) in data.enumerated() {
            guard row.count == k else { throw StatisticsError.lengthMismatch("row 0", k, "row \(i)", row.count) }
            try requireFinite(row, "row \(i)")
        }
        guard m >= 2, k >= 3 else { return nil }
        var columnRankSums = [Double](repeating: 0, count: k)
        for row in data {
            for (j, r) in Ranking.averageRanks(row).enumerated() { columnRankSums[j] += r }
        }
        var l = 0.0
        for j in 0..<k { l += Double(j + 1) * columnRankSums[j] }
        let asymptotic = k > 8 || (m > 12 && k > 3) || m > 20
        if asymptotic {
            let mm = Double(m), kk = Double(k)
            let e0 = mm * kk * (kk + 1) * (kk + 1) / 4
            let v0 = mm * kk * kk * (kk + 1) * (kk * kk - 1) / 144
            let p = SpecialFunctions.normalSF((l - e0) / v0.squareRoot())
            return PageTrendResult(blocks: m, conditions: k, statistic: l, pValue: p, method: "asymptotic")
        }
        return PageTrendResult(blocks: m, conditions: k, statistic: l,
                               pValue: exactSurvival(l: Int(l), blocks: m, conditions: k), method: "exact")
    }

    /// P(L ≥ l) under H0 for m blocks of k conditions (k ≤ 8): the single-row distribution of
    /// Σ j·π(j) over all k! permutations, convolved m times.
    static func exactSurvival(l: Int, blocks m: Int, conditions k: Int) -> Double {
        let a = k * (k + 1) * (k + 2) / 6          // smallest single-row L
        let b = k * (k + 1) * (2 * k + 1) / 6      // largest single-row L
        var rowCounts = [Double](repeating: 0, count: b - a + 1)
        var permutation = Array(1...k)
        // Heap's algorithm enumerates all k! orders.
        func record() {
            var s = 0
            for j in 0..<k { s += (j + 1) * permutation[j] }
            rowCounts[s - a] += 1
        }
        var c = [Int](repeating: 0, count: k)
        record()
        var i = 0
        while i < k {
            if c[i] < i {
                if i % 2 == 0 { permutation.swapAt(0, i) } else { permutation.swapAt(c[i], i) }
                record()
                c[i] += 1
                i = 0
            } else {
                c[i] = 0
                i += 1
            }
        }
        let total = rowCounts.reduce(0, +)
        let rowPMF = rowCounts.map { $0 / total }
        // Distribution of the sum over m rows, offset m·a.
        var pmf = rowPMF
        if m >= 2 {
            for _ in 2...m {
                var next = [Double](repeating: 0, count: pmf.count + rowPMF.count - 1)
                for (u, pu) in pmf.enumerated() where pu != 0 {
                    for (v, pv) in rowPMF.enumerated() where pv != 0 { next[u + v] += pu * pv }
                }
                pmf = next
            }
        }
        let start = max(0, l - m * a)
        guard start < pmf.count else { return 0 }
        return min(1, pmf[start...].reduce(0, +))
    }
}
