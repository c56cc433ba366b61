#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Special functions used by the tests: normal CDF and quantile, log-gamma, the regularized
/// incomplete beta function and Student's t distribution. All aim at ~1e-13 relative accuracy in the
/// ranges statistics needs; the test suite checks them against scipy.special.
public enum SpecialFunctions {
    /// Standard normal CDF Φ(x). Uses the C library's `erfc`, which is accurate to about one ulp,
    /// so that the lower tail keeps full relative precision (Φ(−30) ≈ 4.9e−198 is returned exactly).
    /// NaN in, NaN out; ±∞ give 1 and 0.
    public static func normalCDF(_ x: Double) -> Double {
        0.5 * erfc(-x / 2.0.squareRoot())
    }

    /// Standard normal survival function 1 − Φ(x), computed without cancellation.
    public static func normalSF(_ x: Double) -> Double {
        0.5 * erfc(x / 2.0.squareRoot())
    }

    /// Standard normal quantile Φ⁻¹(p) (scipy's `ndtri`).
    ///
    /// Acklam's rational approximation (relative error ≈ 1e−9) refined by one Halley step against
    /// the `erfc`-based CDF, which brings it to machine precision. Returns −∞ for p = 0, +∞ for p = 1,
    /// and NaN for p outside [0, 1] or NaN (callers in this module never pass such values).
    public static func normalQuantile(_ p: Double) -> Double {
        if p.isNaN || p < 0 || p > 1 { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                 -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                 3.754408661907416e+00]
        let pLow = 0.02425
        var x: Double
        if p < pLow {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - pLow {
            let q = p - 0.5
            let r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
                (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log1p(-p)).squareRoot()
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        // Halley refinement. In the upper half we refine against the survival function so the error
        // term keeps relative precision (1 − p is exact for p ≥ 0.5 by Sterbenz).
        for _ in 0..<2 {
            let density = exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
            if density == 0 { break }
            let e: Double = p < 0.5 ? normalCDF(x) - p : (1 - p) - normalSF(x)
            let u = e / density
            x -= u / (1 + 0.5 * x * u)
        }
        return x
    }

    /// Natural log of Γ(x) for x > 0 (Lanczos approximation, g = 7, 9 terms, with the reflection-free
    /// shift for small x). Relative accuracy ≈ 1e−15 for the arguments used here (x = k/2).
    public static func logGamma(_ x: Double) -> Double {
        if x.isNaN || x <= 0 { return .nan }
        if x < 0.5 {
            // Γ(x) = Γ(x + 1) / x keeps the Lanczos sum in its accurate range.
            return logGamma(x + 1) - log(x)
        }
        let coefficients = [0.99999999999980993, 676.5203681218851, -1259.1392167224028,
                            771.32342877765313, -176.61502916214059, 12.507343278686905,
                            -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7]
        let z = x - 1
        var sum = coefficients[0]
        for i in 1..<9 { sum += coefficients[i] / (z + Double(i)) }
        let t = z + 7.5
        return 0.5 * log(2 * Double.pi) + (z + 0.5) * log(t) - t + log(sum)
    }

    /// Regularized incomplete beta function I_x(a, b) for a, b > 0 and x in [0, 1].
    ///
    /// Continued fraction (modified Lentz) evaluated on whichever of I_x(a, b) and 1 − I_{1−x}(b, a)
    /// converges fast. Returns 0 at x ≤ 0, 1 at x ≥ 1, NaN for invalid a, b or NaN x.
    public static func regularizedIncompleteBeta(_ a: Double, _ b: Double, _ x: Double) -> Double {
        if a.isNaN || b.isNaN || x.isNaN || a <= 0 || b <= 0 { return .nan }
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * log(x) + b * log1p(-x)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * betaContinuedFraction(a, b, x) / a
        } else {
            return 1 - exp(logFront) * betaContinuedFraction(b, a, 1 - x) / b
        }
    }

    /// Same as `regularizedIncompleteBeta` but returns 1 − I_x(a, b) = I_{1−x}(b, a) without the
    /// cancellation of `1 - I`, for small upper-tail probabilities.
    public static func regularizedIncompleteBetaComplement(_ a: Double, _ b: Double, _ x: Double) -> Double {
        regularizedIncompleteBeta(b, a, 1 - x)
    }

    private static func betaContinuedFraction(_ a: Double, _ b: Double, _ x: Double) -> Double {
        let tiny = 1e-300
        let epsilon = 1e-16
        let qab = a + b, qap = a + 1, qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...10_000 {
            let m2 = Double(2 * m)
            let dm = Double(m)
            var aa = dm * (b - dm) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + dm) * (qab + dm) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < epsilon { break }
        }
        return h
    }

    /// Survival function of Student's t with `df` degrees of freedom, P(T > t). `df` may be
    /// non-integer; df ≤ 0 or NaN gives NaN. ±∞ give 0 and 1.
    public static func studentTSF(_ t: Double, df: Double) -> Double {
        if t.isNaN || df.isNaN || df <= 0 { return .nan }
        if t == .infinity { return 0 }
        if t == -.infinity { return 1 }
        // P(|T| > |t|) = I_{df/(df+t²)}(df/2, 1/2); written with t² in the denominator form that
        // stays accurate for large |t|.
        let x = df / (df + t * t)
        let twoTail = regularizedIncompleteBeta(df / 2, 0.5, x)
        return t > 0 ? 0.5 * twoTail : 1 - 0.5 * twoTail
    }

    /// CDF of Student's t, P(T ≤ t).
    public static func studentTCDF(_ t: Double, df: Double) -> Double {
        studentTSF(-t, df: df)
    }

    /// Quantile of Student's t (inverse CDF) for p in (0, 1), by Newton iterations on the CDF started
    /// from the normal quantile, safeguarded by bisection. Accurate to ~1e−12 relative.
    public static func studentTQuantile(_ p: Double, df: Double) -> Double {
        if p.isNaN || df.isNaN || df <= 0 || p < 0 || p > 1 { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        if p == 0.5 { return 0 }
        if p > 0.5 { return -studentTQuantile(1 - p, df: df) }
        // Now p < 0.5 and the quantile is negative. Bracket it.
        var lo = -1.0, hi = 0.0
        while studentTCDF(lo, df: df) > p { hi = lo; lo *= 2; if lo < -1e300 { return -.infinity } }
        var x = max(lo, min(hi, normalQuantile(p)))
        let logNorm = logGamma((df + 1) / 2) - logGamma(df / 2) - 0.5 * log(df * Double.pi)
        for _ in 0..<200 {
            let f = studentTCDF(x, df: df) - p
            if f > 0 { hi = x } else { lo = x }
            let density = exp(logNorm - (df + 1) / 2 * log1p(x * x / df))
            var next = x - f / density
            if !(next > lo && next < hi) { next = 0.5 * (lo + hi) }
            if abs(next - x) <= 1e-15 * max(1, abs(x)) { x = next; break }
            x = next
        }
        return x
    }
}
