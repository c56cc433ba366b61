/// Effect sizes for "does a value change monotonically with an ordered level, within blocks".
public enum TrendEffect {
    /// Kendall τ-b between the condition index 0..<k and each block's values, one per block.
    /// A block whose values are all equal has no monotone trend and gets τ = 0; nil only for blocks
    /// with fewer than 2 conditions. Non-finite values throw (`StatisticsError`).
    public static func withinBlockKendallTaus(_ data: [[Double]]) throws -> [Double?] {
        try data.map { row in
            guard row.count >= 2 else { return nil }
            let index = row.indices.map(Double.init)
            return try Correlation.kendallTauB(index, row).estimate ?? 0
        }
    }

    /// Mean within-block Kendall τ-b (see `withinBlockKendallTaus`); nil if no block has one.
    public static func meanWithinBlockKendallTau(_ data: [[Double]]) throws -> Double? {
        let taus = try withinBlockKendallTaus(data).compactMap { $0 }
        return taus.isEmpty ? nil : taus.reduce(0, +) / Double(taus.count)
    }
}

/// Accumulated cross-products Σ vᵢvᵢᵀ of a few columns, per cluster, so that regressions and partial
/// correlations on a bootstrap resample of clusters are exact refits computed in O(clusters · p²).
/// Columns must already be demeaned within the fixed-effect groups, which nest in the clusters.
struct ClusterGrams {
    let dimension: Int
    /// Cluster c's Gram matrix, row-major dimension × dimension, at `flat[c·d² ..< (c+1)·d²]` (one
    /// contiguous buffer: `total` is the hot loop of every bootstrap of tests (c) and (d)).
    let flat: [Double]

    init(columns: [[Double]], clusterCodes: [Int], clusterCount: Int) {
        let p = columns.count
        dimension = p
        let size = p * p
        var flat = [Double](repeating: 0, count: size * clusterCount)
        for i in 0..<clusterCodes.count {
            let base = clusterCodes[i] * size
            for a in 0..<p {
                let va = columns[a][i]
                for b in a..<p { flat[base + a * p + b] += va * columns[b][i] }
            }
        }
        for c in 0..<clusterCount {
            for a in 0..<p { for b in 0..<a { flat[c * size + a * p + b] = flat[c * size + b * p + a] } }
        }
        self.flat = flat
    }

    /// Σ over `clusters` (with repeats) of the cluster Gram matrices, summed in the given order.
    func total(_ clusters: [Int]) -> [Double] {
        let size = dimension * dimension
        var sum = [Double](repeating: 0, count: size)
        sum.withUnsafeMutableBufferPointer { out in
            flat.withUnsafeBufferPointer { grams in
                for c in clusters {
                    let base = c * size
                    for k in 0..<size { out[k] += grams[base + k] }
                }
            }
        }
        return sum
    }

    /// Least-squares coefficients of column 0 on columns 1..<p from a total Gram matrix, by Cholesky
    /// of the predictor block; nil if that block is not positive definite (relative pivot ≤ 1e−12).
    static func regressionCoefficients(_ g: [Double], dimension p: Int) -> [Double]? {
        let k = p - 1
        guard k >= 1 else { return nil }
        var l = [Double](repeating: 0, count: k * k)
        let scale = (1...k).map { g[$0 * p + $0] }.max() ?? 0
        guard scale > 0 else { return nil }
        for i in 0..<k {
            for j in 0...i {
                var s = g[(i + 1) * p + (j + 1)]
                for m in 0..<j { s -= l[i * k + m] * l[j * k + m] }
                if i == j {
                    guard s > 1e-12 * scale else { return nil }
                    l[i * k + i] = s.squareRoot()
                } else {
                    l[i * k + j] = s / l[j * k + j]
                }
            }
        }
        var z = [Double](repeating: 0, count: k)
        for i in 0..<k {
            var s = g[(i + 1) * p]
            for m in 0..<i { s -= l[i * k + m] * z[m] }
            z[i] = s / l[i * k + i]
        }
        var b = [Double](repeating: 0, count: k)
        for i in stride(from: k - 1, through: 0, by: -1) {
            var s = z[i]
            for m in (i + 1)..<k { s -= l[m * k + i] * b[m] }
            b[i] = s / l[i * k + i]
        }
        return b
    }

    /// Partial correlation of columns 0 and 1 given columns 2..<p (Schur complement of the Gram);
    /// nil when a residual variance vanishes or the covariate block is singular.
    static func partialCorrelation(_ g: [Double], dimension p: Int) -> Double? {
        var sxx = g[0], syy = g[p + 1], sxy = g[1]
        if p > 2 {
            // Residualise x and y on the covariates: S = G_ab − G_aZ G_ZZ⁻¹ G_Zb for a, b ∈ {x, y}.
            func sub(_ rows: [Int]) -> [Double] {
                var out = [Double](); for a in rows { for b in rows { out.append(g[a * p + b]) } }
                return out
            }
            let covariates = Array(2..<p)
            guard let bx = regressionCoefficients(sub([0] + covariates), dimension: p - 1),
                  let by = regressionCoefficients(sub([1] + covariates), dimension: p - 1) else { return nil }
            for (m, zc) in covariates.enumerated() {
                sxx -= bx[m] * g[zc]
                syy -= by[m] * g[p + zc]
                sxy -= bx[m] * g[p + zc]
            }
        }
        let scaleX = g[0], scaleY = g[p + 1]
        guard sxx > 1e-12 * scaleX, syy > 1e-12 * scaleY, sxx > 0, syy > 0 else { return nil }
        return min(1, max(-1, sxy / (sxx.squareRoot() * syy.squareRoot())))
    }
}
