#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Axis ticks on the 1-2-5 rule: steps are 1, 2 or 5 times a power of ten.
public struct NiceTicks: Sendable, Equatable {
    /// Tick spacing (a 1-2-5 multiple of a power of ten), > 0.
    public let step: Double
    /// Tick values inside the requested range, computed as `k * step` (no accumulated error).
    public let values: [Double]
    /// The range widened outwards to whole steps (use it as axis limits for "nice" ends).
    public let niceRange: ClosedRange<Double>

    /// Ticks for `lower...upper` aiming at about `target` intervals (at least 1).
    ///
    /// The step is the smallest 1-2-5 value ≥ (upper − lower) / target. Edge cases: bounds given in either
    /// order are swapped; a degenerate range (lower == upper) is widened to ±0.5 (or ±10 % of |value|);
    /// non-finite bounds yield the range 0...1.
    public init(_ lower: Double, _ upper: Double, target: Int = 5) {
        var lo = min(lower, upper), hi = max(lower, upper)
        if !lo.isFinite || !hi.isFinite { lo = 0; hi = 1 }
        if hi - lo <= 0 {
            let pad = lo == 0 ? 0.5 : abs(lo) * 0.1
            lo -= pad; hi += pad
        }
        let step = NiceTicks.niceStep((hi - lo) / Double(max(1, target)))
        // Tolerance absorbs binary rounding when a bound sits exactly on a tick (0.3 / 0.1 = 2.9999…).
        let eps = 1e-9
        let first = (lo / step - eps).rounded(.up), last = (hi / step + eps).rounded(.down)
        var values = [Double]()
        if first <= last {
            for k in Int(first)...Int(last) { values.append(NiceTicks.clean(Double(k) * step, step: step)) }
        }
        self.step = step
        self.values = values
        self.niceRange = NiceTicks.clean((lo / step + eps).rounded(.down) * step, step: step)
            ... NiceTicks.clean((hi / step - eps).rounded(.up) * step, step: step)
    }

    /// Ticks every `step` over `lower...upper` (e.g. a previous ``niceRange``, so both ends get a tick).
    /// A non-positive or non-finite step falls back to the automatic choice.
    public init(_ lower: Double, _ upper: Double, step: Double) {
        guard step > 0, step.isFinite, lower.isFinite, upper.isFinite, upper >= lower else {
            self = NiceTicks(lower, upper); return
        }
        let eps = 1e-9
        let first = (lower / step - eps).rounded(.up), last = (upper / step + eps).rounded(.down)
        var values = [Double]()
        if first <= last {
            for k in Int(first)...Int(last) { values.append(NiceTicks.clean(Double(k) * step, step: step)) }
        }
        self.step = step
        self.values = values
        self.niceRange = lower...upper
    }

    /// The same step, with ticks covering ``niceRange`` end to end.
    public var extendedToNiceRange: NiceTicks { NiceTicks(niceRange.lowerBound, niceRange.upperBound, step: step) }

    /// The smallest value of the form {1, 2, 5} × 10^k that is ≥ `raw` (raw > 0; otherwise 1).
    public static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let exponent = floor(log10(raw))
        let magnitude = pow(10, exponent)
        let residual = raw / magnitude
        let nice: Double = residual <= 1 + 1e-9 ? 1 : residual <= 2 + 1e-9 ? 2 : residual <= 5 + 1e-9 ? 5 : 10
        return nice * magnitude
    }

    /// Snaps `k * step` to the decimal it stands for (e.g. 0.30000000000000004 → 0.3) and turns −0 into 0.
    static func clean(_ v: Double, step: Double) -> Double {
        let decimals = NumberFormat.decimals(forStep: step)
        guard decimals > 0 && decimals < 15 else { return v == 0 ? 0 : v }
        let scale = pow(10, Double(decimals))
        let r = (v * scale).rounded() / scale
        return r == 0 ? 0 : r
    }

    /// Tick labels formatted with as many decimals as the step needs.
    public var labels: [String] { values.map { NumberFormat.tick($0, step: step) } }
}

/// Deterministic number formatting for tick labels and annotations (no locale, no printf).
public enum NumberFormat {
    /// Decimals needed to show multiples of `step` exactly (0 for steps ≥ 1).
    public static func decimals(forStep step: Double) -> Int {
        guard step > 0, step.isFinite else { return 0 }
        return max(0, Int(-floor(log10(step) + 1e-9)))
    }

    /// Formats a tick value; uses scientific notation (`2.5e-6`, `1e7`) when |value| ≥ 1e6 or the step is
    /// below 1e-4, plain decimals otherwise. Negative numbers use the typographic minus U+2212.
    public static func tick(_ v: Double, step: Double) -> String {
        if !v.isFinite { return v.isNaN ? "NaN" : (v > 0 ? "∞" : "\u{2212}∞") }
        if abs(v) >= 1e6 || (step < 1e-4 && v != 0) { return scientific(v, significant: 3) }
        return fixed(v, decimals: decimals(forStep: step))
    }

    /// `v` rounded half away from zero to `decimals` places. NaN → "NaN".
    public static func fixed(_ v: Double, decimals: Int) -> String {
        guard v.isFinite else { return v.isNaN ? "NaN" : (v > 0 ? "∞" : "\u{2212}∞") }
        let d = max(0, min(12, decimals))
        let scaled = (abs(v) * pow(10, Double(d))).rounded(.toNearestOrAwayFromZero)
        guard scaled < 9e15 else { return scientific(v, significant: 4) }
        let digits = String(UInt64(scaled))
        var body: String
        if d == 0 {
            body = digits
        } else {
            let padded = String(repeating: "0", count: max(0, d + 1 - digits.count)) + digits
            body = String(padded.dropLast(d)) + "." + String(padded.suffix(d))
        }
        let negative = v < 0 && scaled != 0
        return (negative ? "\u{2212}" : "") + body
    }

    /// Scientific notation with up to `significant` digits and trailing zeros trimmed: `1.5e-5`, `2e6`.
    public static func scientific(_ v: Double, significant: Int) -> String {
        guard v != 0, v.isFinite else { return v == 0 ? "0" : fixed(v, decimals: 0) }
        var exponent = Int(floor(log10(abs(v))))
        var mantissa = v / pow(10, Double(exponent))
        let rounded = (mantissa * pow(10, Double(significant - 1))).rounded() / pow(10, Double(significant - 1))
        mantissa = rounded
        if abs(mantissa) >= 10 { mantissa /= 10; exponent += 1 }
        var m = fixed(mantissa, decimals: significant - 1)
        if m.contains(".") {
            while m.hasSuffix("0") { m.removeLast() }
            if m.hasSuffix(".") { m.removeLast() }
        }
        let e = exponent < 0 ? "\u{2212}\(-exponent)" : "\(exponent)"
        return "\(m)e\(e)"
    }

    /// A compact value for annotations: 3 significant digits, e.g. `0.432`, `12.3`, `1.23e-5`.
    public static func compact(_ v: Double) -> String {
        guard v.isFinite, v != 0 else { return v == 0 ? "0" : fixed(v, decimals: 0) }
        let mag = Int(floor(log10(abs(v))))
        if mag >= 6 || mag < -3 { return scientific(v, significant: 3) }
        return fixed(v, decimals: max(0, 2 - mag))
    }
}
