/// Matrix-level measures of a set of vectors (rows of X ∈ ℝⁿˣᵈ, e.g. all patch states of one input).
///
/// They measure collapse into a subspace, which is different from per-vector sparsity.
/// Singular values come from a Householder QR of the taller orientation of X followed by one-sided
/// (Hestenes) Jacobi on the small triangular factor, all in `Double`: each singular value is accurate to
/// about 1e-15·σ_max (no squaring of the condition number as a Gram-matrix eigen-solve would do).
/// Cost ≈ 2·max(n,d)·min(n,d)² for the QR plus ≈ 1.5·min(n,d)³ per Jacobi sweep (typically 5–10 sweeps).
public enum MatrixMeasures {
    /// Singular values of the row-major `[rows, cols]` matrix, descending, min(rows, cols) of them.
    /// - Parameter centered: subtract each column's mean over the rows first (singular values of the
    ///   centred data) instead of using X as given.
    /// - Throws: `.shapeMismatch`/`.outOfRange` for inconsistent shapes, `.empty` for `rows = 0`,
    ///   `.nonFinite` for NaN/±∞ entries.
    public static func singularValues(_ buffer: UnsafeBufferPointer<Float>, rows: Int, cols: Int,
                                      centered: Bool = false) throws -> [Double] {
        try checkMatrixShape(buffer, rows: rows, cols: cols, dimension: nil)
        guard rows > 0 else { throw MetricsError.empty(argument: "buffer (rows = 0)") }
        try validateFinite(buffer, argument: "buffer")
        let x = loadDouble(buffer, rows: rows, cols: cols, centered: centered)
        return singularValues(rowMajor: x, rows: rows, cols: cols)
    }

    /// Effective rank of Roy & Vetterli (2007): exp(H(p)) with pᵢ = σᵢ/Σσ over the singular values of X
    /// (uncentred by default). Range [1, rank(X)]; 1 for rank one. A zero matrix (rank 0) gives 0.
    /// - Throws: as `singularValues`.
    public static func effectiveRank(_ buffer: UnsafeBufferPointer<Float>, rows: Int, cols: Int,
                                     centered: Bool = false) throws -> Double {
        effectiveRank(singularValues: try singularValues(buffer, rows: rows, cols: cols, centered: centered))
    }

    /// Effective rank from given non-negative singular values (0 when they are all zero).
    public static func effectiveRank(singularValues sigma: [Double]) -> Double {
        let total = sigma.reduce(0, +)
        guard total > 0 else { return 0 }
        var entropy = 0.0
        for s in sigma where s > 0 {
            let p = s / total
            entropy -= p * _log(p)
        }
        return _exp(entropy)
    }

    /// Covariance participation ratio (Σλ)²/Σλ² over the eigenvalues λ of the covariance of the rows
    /// (columns centred over rows). Computed exactly as tr(C)²/‖C‖²_F on the smaller Gram matrix, so no
    /// eigen-solve is needed; the 1/(n−1) normalisation cancels. Range [1, min(n−1, d)].
    /// Degenerate: fewer than 2 rows, or all rows identical (zero covariance) → 0.
    /// - Throws: as `singularValues`.
    public static func covarianceParticipationRatio(_ buffer: UnsafeBufferPointer<Float>, rows: Int, cols: Int)
        throws -> Double
    {
        try checkMatrixShape(buffer, rows: rows, cols: cols, dimension: nil)
        guard rows > 0 else { throw MetricsError.empty(argument: "buffer (rows = 0)") }
        try validateFinite(buffer, argument: "buffer")
        guard rows >= 2 else { return 0 }
        let x = loadDouble(buffer, rows: rows, cols: cols, centered: true)
        var trace = 0.0, frobenius = 0.0
        if rows <= cols {
            // K = Xc·Xcᵀ (rows × rows).
            for i in 0..<rows {
                for j in i..<rows {
                    var dot = 0.0
                    for c in 0..<cols { dot += x[i * cols + c] * x[j * cols + c] }
                    if i == j { trace += dot; frobenius += dot * dot } else { frobenius += 2 * dot * dot }
                }
            }
        } else {
            // C = Xcᵀ·Xc (cols × cols), accumulated row by row.
            var c = [Double](repeating: 0, count: cols * cols)
            for r in 0..<rows {
                for i in 0..<cols {
                    let xi = x[r * cols + i]
                    for j in i..<cols { c[i * cols + j] += xi * x[r * cols + j] }
                }
            }
            for i in 0..<cols {
                trace += c[i * cols + i]
                frobenius += c[i * cols + i] * c[i * cols + i]
                for j in (i + 1)..<max(i + 1, cols) { frobenius += 2 * c[i * cols + j] * c[i * cols + j] }
            }
        }
        guard frobenius > 0 else { return 0 }
        return trace * trace / frobenius
    }

    // MARK: - Implementation

    static func loadDouble(_ buffer: UnsafeBufferPointer<Float>, rows: Int, cols: Int, centered: Bool) -> [Double] {
        var x = buffer.map(Double.init)
        guard centered else { return x }
        for c in 0..<cols {
            var mean = 0.0
            for r in 0..<rows { mean += x[r * cols + c] }
            mean /= Double(rows)
            for r in 0..<rows { x[r * cols + c] -= mean }
        }
        return x
    }

    /// Singular values (descending) of a row-major Double matrix.
    static func singularValues(rowMajor x: [Double], rows: Int, cols: Int) -> [Double] {
        // Tall orientation A (m × n, m ≥ n) stored column-major: column j contiguous.
        let transpose = rows < cols
        let m = transpose ? cols : rows, n = transpose ? rows : cols
        var a = [Double](repeating: 0, count: m * n)
        for r in 0..<rows {
            for c in 0..<cols {
                if transpose { a[r * m + c] = x[r * cols + c] } else { a[c * m + r] = x[r * cols + c] }
            }
        }
        householderR(&a, m: m, n: n)
        // Upper-triangular R (n × n), column-major.
        var r = [Double](repeating: 0, count: n * n)
        for j in 0..<n { for i in 0...j { r[j * n + i] = a[j * m + i] } }
        return jacobiColumnNorms(&r, size: n).sorted(by: >)
    }

    /// In-place Householder triangularisation of column-major A (m × n, m ≥ n); the upper triangle holds R.
    static func householderR(_ a: inout [Double], m: Int, n: Int) {
        var v = [Double](repeating: 0, count: m)
        for j in 0..<n {
            var norm2 = 0.0
            for i in j..<m { norm2 += a[j * m + i] * a[j * m + i] }
            guard norm2 > 0 else { continue }
            let x0 = a[j * m + j]
            let alpha = x0 >= 0 ? -norm2.squareRoot() : norm2.squareRoot()
            for i in j..<m { v[i] = a[j * m + i] }
            v[j] -= alpha
            let vNorm2 = norm2 - x0 * x0 + v[j] * v[j]
            guard vNorm2 > 0 else { continue }
            a[j * m + j] = alpha
            for i in (j + 1)..<max(j + 1, m) { a[j * m + i] = 0 }
            for c in (j + 1)..<max(j + 1, n) {
                var dot = 0.0
                for i in j..<m { dot += v[i] * a[c * m + i] }
                let scale = 2 * dot / vNorm2
                for i in j..<m { a[c * m + i] -= scale * v[i] }
            }
        }
    }

    /// One-sided Jacobi: rotates column pairs of column-major R (size × size) until all are orthogonal,
    /// returns the column norms (the singular values).
    static func jacobiColumnNorms(_ r: inout [Double], size n: Int) -> [Double] {
        let tolerance = 1e-15
        for _ in 0..<100 {
            var rotated = false
            for p in 0..<n {
                for q in (p + 1)..<max(p + 1, n) {
                    var alpha = 0.0, beta = 0.0, gamma = 0.0
                    for i in 0..<n {
                        let xp = r[p * n + i], xq = r[q * n + i]
                        alpha += xp * xp
                        beta += xq * xq
                        gamma += xp * xq
                    }
                    guard gamma != 0, abs(gamma) > tolerance * (alpha * beta).squareRoot() else { continue }
                    rotated = true
                    let zeta = (beta - alpha) / (2 * gamma)
                    let t = (zeta >= 0 ? 1.0 : -1.0) / (abs(zeta) + (1 + zeta * zeta).squareRoot())
                    let c = 1 / (1 + t * t).squareRoot(), s = c * t
                    for i in 0..<n {
                        let xp = r[p * n + i], xq = r[q * n + i]
                        r[p * n + i] = c * xp - s * xq
                        r[q * n + i] = s * xp + c * xq
                    }
                }
            }
            if !rotated { break }
        }
        return (0..<n).map { j in
            var norm2 = 0.0
            for i in 0..<n { norm2 += r[j * n + i] * r[j * n + i] }
            return norm2.squareRoot()
        }
    }
}
