/// Small dense least-squares kernel (Householder QR) for the regressions in this module.
/// Matrices are column-major: `columns[j][i]` is row i of column j.
struct LeastSquares {
    let coefficients: [Double]
    let residuals: [Double]
    /// (XᵀX)⁻¹, K × K, row-major nested.
    let inverseGram: [[Double]]

    /// Solves min ‖y − Xb‖ for full-column-rank X. Returns nil when X is rank deficient (a column is
    /// (numerically) a combination of the others: |R_jj| ≤ 1e−10 · max |R_ii|) or has more columns
    /// than rows, so callers can report "insufficient data" instead of dividing by zero.
    init?(columns: [[Double]], y: [Double]) {
        let n = y.count, k = columns.count
        guard k >= 1, n >= k, columns.allSatisfy({ $0.count == n }) else { return nil }
        // Householder QR on a flat column-major copy (column c at c·n): the same operations in the same
        // order as on nested arrays, without a uniqueness check and bounds check per element.
        var a = [Double](); a.reserveCapacity(n * k)
        for column in columns { a += column }
        var qty = y
        var rDiagonal = [Double](repeating: 0, count: k)
        let fullRank = a.withUnsafeMutableBufferPointer { a -> Bool in
            qty.withUnsafeMutableBufferPointer { qty -> Bool in
                for j in 0..<k {
                    let vj = a.baseAddress! + j * n
                    var norm = 0.0
                    for i in j..<n { norm += vj[i] * vj[i] }
                    norm = norm.squareRoot()
                    if norm == 0 { return false }
                    let alpha = vj[j] > 0 ? -norm : norm
                    // Householder vector v = a_j[j...] − alpha e_1, stored in place.
                    vj[j] -= alpha
                    var vNormSquared = 0.0
                    for i in j..<n { vNormSquared += vj[i] * vj[i] }
                    if vNormSquared > 0 {
                        for c in (j + 1)..<k {
                            let ac = a.baseAddress! + c * n
                            var dot = 0.0
                            for i in j..<n { dot += vj[i] * ac[i] }
                            let f = 2 * dot / vNormSquared
                            for i in j..<n { ac[i] -= f * vj[i] }
                        }
                        var dot = 0.0
                        for i in j..<n { dot += vj[i] * qty[i] }
                        let f = 2 * dot / vNormSquared
                        for i in j..<n { qty[i] -= f * vj[i] }
                    }
                    rDiagonal[j] = alpha
                }
                return true
            }
        }
        if !fullRank { return nil }
        let maxDiagonal = rDiagonal.reduce(0) { max($0, abs($1)) }
        if rDiagonal.contains(where: { abs($0) <= 1e-10 * maxDiagonal }) { return nil }
        // R: upper triangle with R[j][j] = rDiagonal[j], R[i][c] = a[c][i] for i < c.
        func r(_ i: Int, _ c: Int) -> Double { i == c ? rDiagonal[i] : a[c * n + i] }
        var beta = [Double](repeating: 0, count: k)
        for i in stride(from: k - 1, through: 0, by: -1) {
            var s = qty[i]
            for c in (i + 1)..<k { s -= r(i, c) * beta[c] }
            beta[i] = s / r(i, i)
        }
        // R⁻¹ (upper triangular), then (XᵀX)⁻¹ = R⁻¹ R⁻ᵀ.
        var rInverse = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        for c in 0..<k {
            rInverse[c][c] = 1 / r(c, c)
            for i in stride(from: c - 1, through: 0, by: -1) {
                var s = 0.0
                for m in (i + 1)...c { s += r(i, m) * rInverse[m][c] }
                rInverse[i][c] = -s / r(i, i)
            }
        }
        var gramInverse = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        for i in 0..<k {
            for j in i..<k {
                var s = 0.0
                for m in j..<k { s += rInverse[i][m] * rInverse[j][m] }
                gramInverse[i][j] = s; gramInverse[j][i] = s
            }
        }
        var residuals = y
        for c in 0..<k { for i in 0..<n { residuals[i] -= columns[c][i] * beta[c] } }
        self.coefficients = beta
        self.residuals = residuals
        self.inverseGram = gramInverse
    }
}

/// Dense group labels 0..<G in order of first appearance, and the group count.
func denseGroups(_ labels: [Int]) -> (codes: [Int], count: Int) {
    var map: [Int: Int] = [:]
    var codes = [Int](); codes.reserveCapacity(labels.count)
    for label in labels {
        if let code = map[label] { codes.append(code) } else {
            let code = map.count; map[label] = code; codes.append(code)
        }
    }
    return (codes, map.count)
}

/// Subtracts each group's mean (the "within" transformation that absorbs group fixed effects).
func demeanWithinGroups(_ values: [Double], codes: [Int], groupCount: Int) -> [Double] {
    var sums = [Double](repeating: 0, count: groupCount)
    var counts = [Double](repeating: 0, count: groupCount)
    for (v, g) in zip(values, codes) { sums[g] += v; counts[g] += 1 }
    return zip(values, codes).map { $0 - sums[$1] / counts[$1] }
}
