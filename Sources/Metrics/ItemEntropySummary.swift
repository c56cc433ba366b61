/// Entropy, loss and patching summary of one item over an analysis span of byte positions.
///
/// Inputs are byte-aligned (see `ByteEntropy`). The span is a range of byte positions inside 1..<N (BOS,
/// position 0, has no entropy and no loss and cannot be analysed).
///
/// Patch-level fields use the patches whose **start** lies in the span (a patch that starts before the span
/// and runs into it is not counted; its statistics are over its full extent, which may run past the span).
public struct ItemEntropySummary: Sendable, Equatable, Codable {
    /// Number of bytes in the span.
    public var byteCount: Int
    /// Mean byte-aligned entropy over the span, nats.
    public var meanEntropy: Double
    /// `meanEntropy` in bits.
    public var meanEntropyBits: Double
    /// Mean next-byte loss over the span in bits (bits per byte); nil when no losses were given.
    public var bitsPerByte: Double?
    /// Number of non-empty patches starting in the span.
    public var patchCount: Int
    /// `patchCount / byteCount`.
    public var patchesPerByte: Double
    /// Mean length of those patches (per-patch weighting); NaN-free: 0 when `patchCount` is 0.
    public var meanPatchLength: Double
    /// Mean first-byte entropy of those patches (per-patch weighting), nats; nil when `patchCount` is 0.
    public var meanFirstByteEntropy: Double?
    /// Mean of those patches' mean entropies, per-patch weighting, nats; nil when `patchCount` is 0.
    public var meanPatchEntropyPerPatch: Double?
    /// Mean of those patches' mean entropies, per-byte weighting, nats; nil when `patchCount` is 0.
    public var meanPatchEntropyPerByte: Double?

    /// - Parameters:
    ///   - byteEntropies: byte-aligned entropies (length N).
    ///   - losses: byte-aligned next-byte losses in nats (length N), or nil.
    ///   - patchLengths: patch lengths summing to N.
    ///   - span: byte positions to analyse, non-empty, within 1..<N.
    /// - Throws: `.outOfRange` for a bad span, `.shapeMismatch` for inconsistent lengths, `.nonFinite` for a
    ///   NaN/±∞ entropy at any position ≥ 1 (position 0, BOS, is expected to be NaN) or a NaN/±∞ loss inside
    ///   the span.
    public init(byteEntropies: [Double], losses: [Double]? = nil, patchLengths: [Int], span: Range<Int>) throws {
        let n = byteEntropies.count
        guard !span.isEmpty, span.lowerBound >= 1, span.upperBound <= n else {
            throw MetricsError.outOfRange(argument: "span", value: span.isEmpty ? span.lowerBound : span.upperBound,
                                          validRange: "non-empty range within 1..<\(n)")
        }
        if let losses, losses.count != n {
            throw MetricsError.shapeMismatch(argument: "losses", expected: n, actual: losses.count)
        }
        let patches = try PatchEntropySummary.summarize(byteEntropies: byteEntropies, patchLengths: patchLengths)

        var entropySum = 0.0
        for i in span { entropySum += byteEntropies[i] }
        byteCount = span.count
        meanEntropy = entropySum / Double(span.count)
        meanEntropyBits = ByteEntropy.bits(fromNats: meanEntropy)

        if let losses {
            var lossSum = 0.0
            for i in span {
                guard losses[i].isFinite else {
                    throw MetricsError.nonFinite(argument: "losses", index: i, value: losses[i])
                }
                lossSum += losses[i]
            }
            bitsPerByte = ByteEntropy.bits(fromNats: lossSum / Double(span.count))
        } else {
            bitsPerByte = nil
        }

        let inSpan = patches.filter { $0.length > 0 && span.contains($0.start) }
        patchCount = inSpan.count
        patchesPerByte = Double(inSpan.count) / Double(span.count)
        if inSpan.isEmpty {
            meanPatchLength = 0
            meanFirstByteEntropy = nil
            meanPatchEntropyPerPatch = nil
            meanPatchEntropyPerByte = nil
        } else {
            let lengths = inSpan.map(\.length)
            meanPatchLength = Double(lengths.reduce(0, +)) / Double(lengths.count)
            meanFirstByteEntropy = try PatchWeighting.perPatch.mean(inSpan.map(\.firstByteEntropy), lengths: lengths)
            meanPatchEntropyPerPatch = try PatchWeighting.perPatch.mean(inSpan.map(\.meanEntropy), lengths: lengths)
            meanPatchEntropyPerByte = try PatchWeighting.perByte.mean(inSpan.map(\.meanEntropy), lengths: lengths)
        }
    }
}
