/// Per-byte entropy and next-byte loss from logits, in nats (natural log) with conversions to bits.
///
/// **Alignment.** A model's row t of logits is its distribution over the *next* byte t+1 given bytes 0…t.
/// - `predictiveEntropies` returns H[t] in that model alignment (length N, what BLT's patcher thresholds:
///   byte t+1 starts a patch when H[t] > θ).
/// - `entropiesOfBytes` shifts to **byte alignment**: e[i] = H[i−1] is the uncertainty the model had
///   *about byte i* before seeing it. e[0] is NaN by definition: position 0 is BOS, which is never predicted.
/// - `nextByteLosses` is byte-aligned the same way: loss[i] = −ln p(ids[i] | ids[0..<i]), loss[0] = NaN.
/// All patch and item summaries in this module take byte-aligned arrays, so that a patch's first-byte entropy
/// is the value that opened the patch (e[s] > θ for every entropy-opened patch start s ≥ 2).
public enum ByteEntropy {
    /// ln 2, for nats → bits.
    public static let ln2 = 0.693_147_180_559_945_309_4

    /// Converts nats to bits (divides by ln 2). NaN stays NaN.
    @inlinable public static func bits(fromNats nats: Double) -> Double { nats / ln2 }

    /// Shannon entropy (nats) of softmax(logits), computed stably in `Double`:
    /// with m = max ℓ, Z = Σ exp(ℓᵥ − m), H = ln Z − Σ pᵥ (ℓᵥ − m) (ln Z via log1p, see below).
    /// - Throws: `MetricsError.empty` for no logits, `.nonFinite` for NaN/±∞ logits.
    /// - Returns: a value in [0, ln V]; exactly 0 for a single logit.
    public static func entropy(logits: UnsafeBufferPointer<Float>) throws -> Double {
        try validateFinite(logits, argument: "logits")
        return entropyValidated(logits)
    }

    static func entropyValidated(_ logits: UnsafeBufferPointer<Float>) -> Double {
        let (m, top) = maximum(logits)
        // Z = 1 + rest, where rest sums exp(ℓᵥ − m) over every entry but the first maximum; ln Z = log1p(rest)
        // keeps full relative accuracy for peaked distributions (Z ≈ 1), where ln(Z) would lose digits.
        var rest = 0.0, weighted = 0.0
        for (v, l) in logits.enumerated() where v != top {
            let shifted = Double(l) - m
            let e = _exp(shifted)
            rest += e
            weighted += e * shifted
        }
        return max(0, _log1p(rest) - weighted / (1 + rest))
    }

    /// Largest logit (as `Double`) and the index of its first occurrence.
    static func maximum(_ logits: UnsafeBufferPointer<Float>) -> (value: Double, index: Int) {
        var m = -Double.infinity, top = 0
        for (v, l) in logits.enumerated() where Double(l) > m {
            m = Double(l)
            top = v
        }
        return (m, top)
    }

    /// ln Σ exp(ℓᵥ) (log-sum-exp), stable: m + log1p(Σ_{v ≠ argmax} exp(ℓᵥ − m)). Inputs finite, non-empty.
    static func logSumExp(_ logits: UnsafeBufferPointer<Float>) -> Double {
        let (m, top) = maximum(logits)
        var rest = 0.0
        for (v, l) in logits.enumerated() where v != top { rest += _exp(Double(l) - m) }
        return m + _log1p(rest)
    }

    /// Entropy of each row of row-major `[rows, vocabulary]` logits, in model alignment (H[t] is about byte
    /// t+1), nats. `rows = 0` gives `[]`.
    /// - Throws: `.shapeMismatch` if `logits.count != rows·vocabulary`, `.outOfRange` for `vocabulary < 1`,
    ///   `.nonFinite` naming the flat index of a NaN/±∞ logit.
    public static func predictiveEntropies(logits: UnsafeBufferPointer<Float>, rows: Int, vocabulary: Int) throws
        -> [Double]
    {
        try checkMatrixShape(logits, rows: rows, cols: vocabulary, dimension: nil)
        guard rows > 0 else { return [] }
        try validateFinite(logits, argument: "logits")
        return (0..<rows).map { r in
            entropyValidated(UnsafeBufferPointer(rebasing: logits[(r * vocabulary)..<((r + 1) * vocabulary)]))
        }
    }

    /// Byte alignment of model-aligned entropies: e[0] = NaN (BOS is never predicted), e[i] = H[i−1].
    /// Same length as the input; `[]` stays `[]`.
    public static func entropiesOfBytes(predictive: [Double]) -> [Double] {
        guard !predictive.isEmpty else { return [] }
        return [Double.nan] + predictive.dropLast()
    }

    /// The model's own next-byte loss per byte, byte-aligned, nats: loss[i] = logsumexp(ℓ[i−1]) − ℓ[i−1][ids[i]]
    /// for i ≥ 1 and loss[0] = NaN (BOS is never predicted). `ids` are the model's input ids (length `rows`).
    /// - Throws: `.shapeMismatch` for inconsistent lengths, `.outOfRange` for an id outside 0..<vocabulary,
    ///   `.nonFinite` for NaN/±∞ logits.
    public static func nextByteLosses(logits: UnsafeBufferPointer<Float>, rows: Int, vocabulary: Int,
                                      ids: [Int]) throws -> [Double]
    {
        try checkMatrixShape(logits, rows: rows, cols: vocabulary, dimension: nil)
        guard ids.count == rows else {
            throw MetricsError.shapeMismatch(argument: "ids", expected: rows, actual: ids.count)
        }
        guard rows > 0 else { return [] }
        for id in ids where !(0..<vocabulary).contains(id) {
            throw MetricsError.outOfRange(argument: "ids", value: id, validRange: "0..<\(vocabulary)")
        }
        try validateFinite(logits, argument: "logits")
        var losses = [Double](repeating: .nan, count: rows)
        for i in 1..<max(1, rows) {
            let row = UnsafeBufferPointer(rebasing: logits[((i - 1) * vocabulary)..<(i * vocabulary)])
            losses[i] = max(0, logSumExp(row) - Double(row[ids[i]]))
        }
        return losses
    }
}
