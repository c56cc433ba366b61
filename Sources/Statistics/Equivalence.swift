/// Two one-sided tests (TOST, Schuirmann 1987) of equivalence to zero within ±δ.
///
/// H₀: |μ| ≥ δ against H₁: |μ| < δ. The TOST p-value is the larger of the one-sided p-values of
/// "μ > −δ" and "μ < δ"; below α the effect is declared equivalent to 0 within ±δ. A zero standard
/// error gives p = 0 when |estimate| < δ and 1 otherwise.
public enum Equivalence {
    /// TOST from an estimate and its standard error with a Student t reference (`df` degrees of freedom).
    public static func tostP(estimate: Double, standardError: Double, delta: Double, df: Double) -> Double? {
        guard estimate.isFinite, standardError.isFinite, delta.isFinite, delta > 0, df >= 1 else { return nil }
        guard standardError > 0 else { return abs(estimate) < delta ? 0 : 1 }
        let lower = SpecialFunctions.studentTSF((estimate + delta) / standardError, df: df)
        let upper = SpecialFunctions.studentTSF((delta - estimate) / standardError, df: df)
        return min(1, max(lower, upper))
    }

    /// TOST on the mean of independent per-item values (one-sample t, n − 1 df); nil for n < 2.
    public static func tostP(values: [Double], delta: Double) -> Double? {
        let n = values.count
        guard n >= 2 else { return nil }
        let mean = values.reduce(0, +) / Double(n)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
        return tostP(estimate: mean, standardError: (variance / Double(n)).squareRoot(), delta: delta, df: Double(n - 1))
    }
}
