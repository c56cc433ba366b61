/// How the coefficient covariance of an OLS fit is estimated.
public enum CovarianceType: String, Sendable, Codable {
    /// σ̂²(XᵀX)⁻¹ with σ̂² = RSS / df_resid; t-tests with df_resid degrees of freedom.
    case classical
    /// Cluster-robust CR1 sandwich: G/(G−1) · (N−1)/(N−K) · (XᵀX)⁻¹ (Σ_g s_g s_gᵀ) (XᵀX)⁻¹ with
    /// s_g = Σ_{i∈g} x_i û_i and K counting every parameter including absorbed fixed effects (what
    /// statsmodels' `cov_type="cluster"` gives for OLS with explicit item dummies). t-tests use
    /// G − 1 degrees of freedom (Cameron & Miller 2015), more conservative than statsmodels' normal.
    case cluster
}

/// Result of an ordinary least-squares fit. Arrays are aligned with `names`.
public struct OLSResult: Sendable, Equatable, Codable {
    /// Coefficient names: "intercept" (only without fixed effects) followed by the covariate names.
    public var names: [String]
    public var coefficients: [Double]
    public var standardErrors: [Double]
    public var tStatistics: [Double]
    public var pValues: [Double]
    /// Degrees of freedom of the t reference distribution (df_resid, or G − 1 for cluster SEs).
    public var testDegreesOfFreedom: Double
    /// N − K − (G if item fixed effects else 0 … see `parameterCount`).
    public var residualDegreesOfFreedom: Double
    /// Every estimated parameter: covariates + intercept, or covariates + G item effects.
    public var parameterCount: Int
    public var observationCount: Int
    public var groupCount: Int?
    public var clusterCount: Int?
    public var covarianceType: CovarianceType
    public var residuals: [Double]
    /// The full coefficient covariance (classical or CR1, as `covarianceType`), aligned with `names`;
    /// `standardErrors` is the square root of its diagonal.
    public var covariance: [[Double]] = []

    /// Estimate, standard error, t and two-sided p of the linear combination Σ wⱼ·bⱼ over the named
    /// coefficients (e.g. the mean of several level dummies), from the full covariance; nil when a name
    /// is absent. p uses `testDegreesOfFreedom`.
    public func contrast(_ weights: [String: Double]) -> (estimate: Double, standardError: Double, t: Double, p: Double)? {
        var w = [Double](repeating: 0, count: names.count)
        for (name, weight) in weights {
            guard let i = names.firstIndex(of: name) else { return nil }
            w[i] = weight
        }
        var estimate = 0.0, variance = 0.0
        for a in names.indices {
            estimate += w[a] * coefficients[a]
            for b in names.indices { variance += w[a] * covariance[a][b] * w[b] }
        }
        let se = max(0, variance).squareRoot()
        guard se > 0 else { return (estimate, 0, estimate == 0 ? 0 : (estimate > 0 ? .infinity : -.infinity), estimate == 0 ? 1 : 0) }
        let t = estimate / se
        return (estimate, se, t, min(1, 2 * SpecialFunctions.studentTSF(abs(t), df: testDegreesOfFreedom)))
    }

    /// The coefficient row for a covariate name, nil if absent.
    public func coefficient(named name: String) -> (estimate: Double, standardError: Double, t: Double, p: Double)? {
        guard let i = names.firstIndex(of: name) else { return nil }
        return (coefficients[i], standardErrors[i], tStatistics[i], pValues[i])
    }

    /// Two-sided confidence interval estimate ± t_{df, (1+level)/2} · SE for a coefficient.
    public func confidenceInterval(named name: String, level: Double = 0.95) -> (low: Double, high: Double)? {
        guard let row = coefficient(named: name) else { return nil }
        let q = SpecialFunctions.studentTQuantile(0.5 + level / 2, df: testDegreesOfFreedom)
        return (row.estimate - q * row.standardError, row.estimate + q * row.standardError)
    }
}

public enum OrdinaryLeastSquares {
    /// Fits y = Xb + e by Householder QR.
    ///
    /// - Parameters:
    ///   - y: responses, one per observation.
    ///   - covariates: one array per covariate (each as long as `y`), named by `names`.
    ///   - fixedEffectGroups: when given (e.g. item ids), one intercept per group is absorbed by the
    ///     within transformation (y and X demeaned within group) and no global intercept is fitted.
    ///     Coefficients and classical SEs equal those of OLS with explicit group dummies
    ///     (Frisch–Waugh–Lovell); residual df = N − K − G.
    ///   - clusters: when given, cluster-robust CR1 standard errors by these labels (`CovarianceType.cluster`).
    /// - Returns: nil for degenerate designs: no residual degrees of freedom, a covariate that is
    ///   constant (within groups, with fixed effects) or collinear with others, or fewer than 2 clusters.
    /// - Throws: `StatisticsError` for length mismatches or non-finite values.
    /// The simple regression line through the pairs where both coordinates are finite, with Pearson's r:
    /// (slope, intercept, r, n), or nil with fewer than 3 pairs (no residual degrees of freedom) or a
    /// constant x; r is NaN for a constant y. For scatter annotations (Plotting draws, Statistics fits).
    public static func line(x: [Double], y: [Double]) throws -> (slope: Double, intercept: Double, r: Double, n: Int)? {
        let pairs = zip(x, y).filter { $0.0.isFinite && $0.1.isFinite }
        let xs = pairs.map(\.0), ys = pairs.map(\.1)
        guard let ols = try fit(y: ys, covariates: [xs], names: ["x"]) else { return nil }
        return (ols.coefficients[1], ols.coefficients[0], try Correlation.pearson(xs, ys).estimate ?? .nan, xs.count)
    }

    public static func fit(y: [Double], covariates: [[Double]], names: [String],
                           fixedEffectGroups: [Int]? = nil, clusters: [Int]? = nil) throws -> OLSResult? {
        let n = y.count
        try requireFinite(y, "y")
        guard names.count == covariates.count else {
            throw StatisticsError.invalidParameter(name: "names", reason: "\(names.count) names for \(covariates.count) covariates")
        }
        for (j, column) in covariates.enumerated() {
            try requireSameLength(y, "y", column, "covariate \(names[j])")
            try requireFinite(column, "covariate \(names[j])")
        }
        if let groups = fixedEffectGroups, groups.count != n {
            throw StatisticsError.invalidParameter(name: "fixedEffectGroups", reason: "\(groups.count) labels for \(n) observations")
        }
        if let clusters, clusters.count != n {
            throw StatisticsError.invalidParameter(name: "clusters", reason: "\(clusters.count) labels for \(n) observations")
        }

        var columns = covariates
        var response = y
        var allNames = names
        var groupCount: Int? = nil
        let parameterCount: Int
        if let groups = fixedEffectGroups {
            let (codes, g) = denseGroups(groups)
            groupCount = g
            response = demeanWithinGroups(y, codes: codes, groupCount: g)
            columns = covariates.map { demeanWithinGroups($0, codes: codes, groupCount: g) }
            parameterCount = covariates.count + g
        } else {
            columns.insert([Double](repeating: 1, count: n), at: 0)
            allNames.insert("intercept", at: 0)
            parameterCount = covariates.count + 1
        }
        let residualDF = n - parameterCount
        guard residualDF >= 1, !columns.isEmpty, let ls = LeastSquares(columns: columns, y: response) else { return nil }
        let k = columns.count
        var standardErrors = [Double](repeating: 0, count: k)
        var covariance = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        var testDF = Double(residualDF)
        var clusterCount: Int? = nil
        if let clusters {
            let (codes, g) = denseGroups(clusters)
            guard g >= 2 else { return nil }
            clusterCount = g
            var scores = [[Double]](repeating: [Double](repeating: 0, count: k), count: g)
            for i in 0..<n {
                for j in 0..<k { scores[codes[i]][j] += columns[j][i] * ls.residuals[i] }
            }
            var meat = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
            for s in scores { for a in 0..<k { for b in 0..<k { meat[a][b] += s[a] * s[b] } } }
            let correction = Double(g) / Double(g - 1) * Double(n - 1) / Double(residualDF)
            let bread = ls.inverseGram
            var meatBread = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
            for a in 0..<k { for c in 0..<k { var v = 0.0; for b in 0..<k { v += meat[a][b] * bread[b][c] }; meatBread[a][c] = v } }
            for i in 0..<k {
                for j in 0..<k {
                    // (B M B)_ij
                    var v = 0.0
                    for a in 0..<k { v += bread[i][a] * meatBread[a][j] }
                    covariance[i][j] = correction * v
                }
            }
            for j in 0..<k { standardErrors[j] = (max(0, covariance[j][j])).squareRoot() }
            testDF = Double(g - 1)
        } else {
            let rss = ls.residuals.reduce(0) { $0 + $1 * $1 }
            let sigma2 = rss / Double(residualDF)
            for i in 0..<k { for j in 0..<k { covariance[i][j] = sigma2 * ls.inverseGram[i][j] } }
            for j in 0..<k { standardErrors[j] = (sigma2 * ls.inverseGram[j][j]).squareRoot() }
        }
        var tStatistics = [Double](repeating: 0, count: k)
        var pValues = [Double](repeating: 1, count: k)
        for j in 0..<k {
            if standardErrors[j] > 0 {
                tStatistics[j] = ls.coefficients[j] / standardErrors[j]
                pValues[j] = min(1, 2 * SpecialFunctions.studentTSF(abs(tStatistics[j]), df: testDF))
            } else {
                // Perfect fit: the coefficient is known exactly; report t = ±∞ and p = 0 if nonzero.
                tStatistics[j] = ls.coefficients[j] == 0 ? 0 : (ls.coefficients[j] > 0 ? .infinity : -.infinity)
                pValues[j] = ls.coefficients[j] == 0 ? 1 : 0
            }
        }
        return OLSResult(names: allNames, coefficients: ls.coefficients, standardErrors: standardErrors,
                         tStatistics: tStatistics, pValues: pValues, testDegreesOfFreedom: testDF,
                         residualDegreesOfFreedom: Double(residualDF), parameterCount: parameterCount,
                         observationCount: n, groupCount: groupCount, clusterCount: clusterCount,
                         covarianceType: clusters == nil ? .classical : .cluster, residuals: ls.residuals,
                         covariance: covariance)
    }
}
