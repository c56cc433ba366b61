/// Accumulated cross-products Σ vᵢvᵢᵀ of a few columns, per cluster, so that regressions and partial
/// correlations on a bootstrap resample of clusters are exact refits computed in O(clusters · p²).
/// Columns must already be demeaned within the fixed-effect groups, which nest in the clusters.
struct ClusterGrams {
    let dimension: Int
    /// Cluster c's Gram matrix, row-major dimension × dimension, at `flat[c·d² ..< (c+1)·d²]` (one
    /// contiguous buffer, summed per resample by `total` or, eight resamples at a time, by CKernels).
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
        guard k >= 1, g.count >= p * p else { return nil }
        // The point estimates and jackknifes of tests (c) and (d) call this, and it defines the bits the
        // eight-lane C solve of their bootstraps must reproduce (ClusterGrams+Batched): the textbook loops'
        // operations in their order, in one stack scratch buffer without bounds checks.
        return g.withUnsafeBufferPointer { g -> [Double]? in
            var scale = g[p + 1]
            for i in stride(from: 2, through: k, by: 1) where scale < g[i * p + i] { scale = g[i * p + i] }
            guard scale > 0 else { return nil }
            return withUnsafeTemporaryAllocation(of: Double.self, capacity: k * k + k) { scratch -> [Double]? in
                let l = scratch.baseAddress!, z = l + k * k
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
                for i in 0..<k {
                    var s = g[(i + 1) * p]
                    for m in 0..<i { s -= l[i * k + m] * z[m] }
                    z[i] = s / l[i * k + i]
                }
                return [Double](unsafeUninitializedCapacity: k) { b, count in
                    for i in stride(from: k - 1, through: 0, by: -1) {
                        var s = z[i]
                        for m in (i + 1)..<k { s -= l[m * k + i] * b[m] }
                        b[i] = s / l[i * k + i]
                    }
                    count = k
                }
            }
        }
    }

    /// Partial correlation of columns 0 and 1 given columns 2..<p (Schur complement of the Gram);
    /// nil when a residual variance vanishes or the covariate block is singular.
    static func partialCorrelation(_ g: [Double], dimension p: Int) -> Double? {
        guard p >= 2, g.count >= p * p else { return nil }
        guard p > 2 else { return g.withUnsafeBufferPointer { finishPartialCorrelation($0, dimension: p, .init(start: nil, count: 0), .init(start: nil, count: 0)) } }
        // Residualise x and y on the covariates: S = G_ab − G_aZ G_ZZ⁻¹ G_Zb for a, b ∈ {x, y}.
        guard let bx = regressionCoefficients(covariateGram(g, dimension: p, first: 0), dimension: p - 1),
              let by = regressionCoefficients(covariateGram(g, dimension: p, first: 1), dimension: p - 1) else { return nil }
        return g.withUnsafeBufferPointer { g in
            bx.withUnsafeBufferPointer { bx in by.withUnsafeBufferPointer { by in finishPartialCorrelation(g, dimension: p, bx, by) } }
        }
    }

    /// The (p − 1) × (p − 1) Gram of column `first` and the covariates 2..<p, in that order.
    static func covariateGram(_ g: UnsafePointer<Double>, dimension p: Int, first: Int, into out: UnsafeMutablePointer<Double>) {
        let q = p - 1
        for a in 0..<q {
            let row = a == 0 ? first : a + 1
            for b in 0..<q { out[a * q + b] = g[row * p + (b == 0 ? first : b + 1)] }
        }
    }

    static func covariateGram(_ g: [Double], dimension p: Int, first: Int) -> [Double] {
        [Double](unsafeUninitializedCapacity: (p - 1) * (p - 1)) { out, count in
            g.withUnsafeBufferPointer { covariateGram($0.baseAddress!, dimension: p, first: first, into: out.baseAddress!) }
            count = (p - 1) * (p - 1)
        }
    }

    /// The partial correlation from the total Gram `g` and the covariate coefficients of x (`bx`) and y
    /// (`by`), empty when there are no covariates; nil when a residual variance vanishes.
    static func finishPartialCorrelation(_ g: UnsafeBufferPointer<Double>, dimension p: Int,
                                         _ bx: UnsafeBufferPointer<Double>, _ by: UnsafeBufferPointer<Double>) -> Double? {
        var sxx = g[0], syy = g[p + 1], sxy = g[1]
        if p > 2 {
            for (m, zc) in (2..<p).enumerated() {
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
