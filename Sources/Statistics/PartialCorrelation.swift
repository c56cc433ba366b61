extension Correlation {
    /// Partial Pearson correlation of x and y controlling for `covariates`, by residualisation: both
    /// are regressed on the covariates (plus an intercept, or plus one intercept per group when
    /// `fixedEffectGroups` is given, i.e. a within-group correlation) and the residuals are correlated.
    /// The t-test uses df = n − 2 − k − (G − 1) (k covariates, G groups; G = 1 without groups), as
    /// pingouin's `partial_corr` does for G = 1.
    ///
    /// - Returns: estimate nil when a residual vector is constant (x or y fully explained) or the design
    ///   is degenerate; p nil additionally when n < 3 or df < 1.
    /// - Throws: `StatisticsError` for length mismatches or non-finite values.
    public static func partial(_ x: [Double], _ y: [Double], covariates: [[Double]],
                               fixedEffectGroups: [Int]? = nil) throws -> CorrelationResult {
        try requireSameLength(x, "x", y, "y")
        try requireFinite(x, "x"); try requireFinite(y, "y")
        let n = x.count
        let names = covariates.indices.map { "c\($0)" }
        let none = CorrelationResult(n: n, estimate: nil, pValue: nil, pMethod: nil)
        guard n >= 2 else { return none }
        let g = fixedEffectGroups.map { denseGroups($0).count } ?? 1
        let df = n - 2 - covariates.count - (g - 1)
        let rx: [Double], ry: [Double]
        if covariates.isEmpty && fixedEffectGroups == nil {
            rx = x; ry = y
        } else if covariates.isEmpty, let groups = fixedEffectGroups {
            guard groups.count == n else {
                throw StatisticsError.invalidParameter(name: "fixedEffectGroups", reason: "\(groups.count) labels for \(n) observations")
            }
            let (codes, count) = denseGroups(groups)
            rx = demeanWithinGroups(x, codes: codes, groupCount: count)
            ry = demeanWithinGroups(y, codes: codes, groupCount: count)
        } else {
            guard let fx = try OrdinaryLeastSquares.fit(y: x, covariates: covariates, names: names, fixedEffectGroups: fixedEffectGroups),
                  let fy = try OrdinaryLeastSquares.fit(y: y, covariates: covariates, names: names, fixedEffectGroups: fixedEffectGroups)
            else { return none }
            rx = fx.residuals; ry = fy.residuals
        }
        guard let r = residualCorrelation(rx, ry, scaleX: x, scaleY: y) else { return none }
        guard n >= 3, df >= 1 else { return CorrelationResult(n: n, estimate: r, pValue: nil, pMethod: nil) }
        let p = correlationTTestPValue(r: r, df: Double(df), alternative: .twoSided)
        return CorrelationResult(n: n, estimate: r, pValue: p, pMethod: "t")
    }

    /// Pearson correlation of residual vectors, nil if either is numerically zero relative to the
    /// original data's spread (then the partial correlation is undefined).
    private static func residualCorrelation(_ rx: [Double], _ ry: [Double], scaleX: [Double], scaleY: [Double]) -> Double? {
        func sumSquaresAboutMean(_ v: [Double]) -> Double {
            let m = v.reduce(0, +) / Double(v.count)
            return v.reduce(0) { $0 + ($1 - m) * ($1 - m) }
        }
        let ssx = sumSquaresAboutMean(rx), ssy = sumSquaresAboutMean(ry)
        if ssx <= 1e-24 * max(sumSquaresAboutMean(scaleX), 1e-300) || ssy <= 1e-24 * max(sumSquaresAboutMean(scaleY), 1e-300) {
            return nil
        }
        return pearsonCoefficient(rx, ry)
    }
}
