/// How per-patch values are averaged into one number per item.
///
/// Harder text has more, shorter patches, so the two weightings answer different questions:
/// - `perPatch`: every patch counts once, x̄ = (1/P) Σⱼ xⱼ — "the typical global step";
/// - `perByte`: every byte counts once, x̄ = Σⱼ Lⱼ xⱼ / Σⱼ Lⱼ — "the state a typical byte belongs to".
/// Empty patches (Lⱼ = 0) are excluded under both weightings.
public enum PatchWeighting: String, CaseIterable, Sendable, Codable {
    case perPatch = "per_patch"
    case perByte = "per_byte"

    /// Weighted mean of `values` (one per patch) with patch lengths `lengths`.
    /// - Throws: `.shapeMismatch` if the counts differ, `.outOfRange` for a negative length, `.empty` if no
    ///   patch has a positive length, `.nonFinite` if an included patch's value is NaN/±∞.
    public func mean(_ values: [Double], lengths: [Int]) throws -> Double {
        guard values.count == lengths.count else {
            throw MetricsError.shapeMismatch(argument: "values", expected: lengths.count, actual: values.count)
        }
        var weightSum = 0.0, sum = 0.0
        for (j, length) in lengths.enumerated() {
            guard length >= 0 else {
                throw MetricsError.outOfRange(argument: "lengths", value: length, validRange: "0...")
            }
            guard length > 0 else { continue }
            guard values[j].isFinite else {
                throw MetricsError.nonFinite(argument: "values", index: j, value: values[j])
            }
            let weight = self == .perPatch ? 1.0 : Double(length)
            weightSum += weight
            sum += weight * values[j]
        }
        guard weightSum > 0 else { throw MetricsError.empty(argument: "patches with positive length") }
        return sum / weightSum
    }
}
