/// Entropy summary of one patch, from byte-aligned entropies (see `ByteEntropy` for the alignment).
///
/// For a zero-length patch (HF's trailing empty patch) all entropy fields are NaN and `length` is 0; for
/// the BOS patch (bytes [0, 1)) they are NaN too, because BOS has no entropy. Use `isMeasured` to filter.
public struct PatchEntropySummary: Sendable, Equatable, Codable {
    /// Index of the patch in the patch-length list.
    public var index: Int
    /// First byte position of the patch.
    public var start: Int
    /// Number of bytes (0 for an empty patch).
    public var length: Int
    /// Entropy about the patch's first byte, e[start] — the value that opened the patch. Nats.
    public var firstByteEntropy: Double
    /// Mean of e over the patch's bytes. Nats.
    public var meanEntropy: Double
    /// Maximum of e over the patch's bytes. Nats.
    public var maxEntropy: Double

    /// True when the patch has bytes and finite entropies (false for empty patches and the BOS patch).
    public var isMeasured: Bool { length > 0 && meanEntropy.isFinite }

    public init(index: Int, start: Int, length: Int, firstByteEntropy: Double, meanEntropy: Double,
                maxEntropy: Double) {
        self.index = index
        self.start = start
        self.length = length
        self.firstByteEntropy = firstByteEntropy
        self.meanEntropy = meanEntropy
        self.maxEntropy = maxEntropy
    }
}

/// Helpers to go from patch lengths to starts and per-byte patch ids (HF `_patch_ids_from_lengths`).
public enum PatchLayout {
    /// Checks that lengths are ≥ 0 and sum to `byteCount`.
    /// - Throws: `.outOfRange` for a negative length, `.shapeMismatch` if the sum differs from `byteCount`.
    public static func validate(patchLengths: [Int], byteCount: Int) throws {
        for length in patchLengths where length < 0 {
            throw MetricsError.outOfRange(argument: "patchLengths", value: length, validRange: "0...")
        }
        let total = patchLengths.reduce(0, +)
        guard total == byteCount else {
            throw MetricsError.shapeMismatch(argument: "sum(patchLengths)", expected: byteCount, actual: total)
        }
    }

    /// Start position of each patch: start_j = Σ_{i<j} lengths_i.
    public static func starts(patchLengths: [Int]) -> [Int] {
        var result: [Int] = []
        result.reserveCapacity(patchLengths.count)
        var position = 0
        for length in patchLengths {
            result.append(position)
            position += length
        }
        return result
    }

    /// Patch id of each byte position 0..<byteCount: id[t] = #{j : start_j ≤ t} − 1 (HF semantics; an empty
    /// patch shares its start with the next patch and owns no byte). Lengths must be valid for `byteCount`.
    public static func patchIDs(patchLengths: [Int], byteCount: Int) -> [Int] {
        let starts = starts(patchLengths: patchLengths)
        var ids = [Int](repeating: -1, count: byteCount)
        var j = 0
        for t in 0..<byteCount {
            while j < starts.count && starts[j] <= t { j += 1 }
            ids[t] = j - 1
        }
        return ids
    }

    /// Decoder patch ids (HF `decoder_patch_ids = ids(lengths[1:], N)`): the global state byte t reads,
    /// i.e. the patch *before* the one holding byte t+1. Empty `patchLengths` gives all −1.
    public static func decoderPatchIDs(patchLengths: [Int], byteCount: Int) -> [Int] {
        patchIDs(patchLengths: Array(patchLengths.dropFirst()), byteCount: byteCount)
    }

    /// Fixed-size patching control: BOS (position 0) is its own patch, then the remaining `byteCount − 1`
    /// bytes in patches of `patchSize`, the last one shorter if needed. No empty patches.
    /// `byteCount = 0` → `[]`; `byteCount = 1` → `[1]`.
    /// - Throws: `.outOfRange` for `patchSize < 1` or `byteCount < 0`.
    public static func fixedPatchLengths(byteCount: Int, patchSize: Int) throws -> [Int] {
        guard patchSize >= 1 else {
            throw MetricsError.outOfRange(argument: "patchSize", value: patchSize, validRange: "1...")
        }
        guard byteCount >= 0 else {
            throw MetricsError.outOfRange(argument: "byteCount", value: byteCount, validRange: "0...")
        }
        guard byteCount > 0 else { return [] }
        var lengths = [1]
        var remaining = byteCount - 1
        while remaining > 0 {
            let length = min(patchSize, remaining)
            lengths.append(length)
            remaining -= length
        }
        return lengths
    }
}

extension PatchEntropySummary {
    /// Summaries of every patch (including empty ones, in order).
    /// - Parameters:
    ///   - byteEntropies: byte-aligned entropies e (length N, e[0] = NaN for BOS is expected and allowed).
    ///   - patchLengths: patch lengths summing to N (zero lengths allowed).
    /// - Throws: `.outOfRange`/`.shapeMismatch` for invalid lengths, `.nonFinite` for NaN/±∞ at any position
    ///   other than 0.
    public static func summarize(byteEntropies: [Double], patchLengths: [Int]) throws -> [PatchEntropySummary] {
        try PatchLayout.validate(patchLengths: patchLengths, byteCount: byteEntropies.count)
        for (i, e) in byteEntropies.enumerated() where i > 0 && !e.isFinite {
            throw MetricsError.nonFinite(argument: "byteEntropies", index: i, value: e)
        }
        let starts = PatchLayout.starts(patchLengths: patchLengths)
        return patchLengths.indices.map { j in
            let start = starts[j], length = patchLengths[j]
            guard length > 0 else {
                return PatchEntropySummary(index: j, start: start, length: 0, firstByteEntropy: .nan,
                                           meanEntropy: .nan, maxEntropy: .nan)
            }
            let bytes = byteEntropies[start..<(start + length)]
            var sum = 0.0, maximum = -Double.infinity
            for e in bytes {
                sum += e
                maximum = Swift.max(maximum, e)
            }
            if !sum.isFinite { maximum = .nan }  // only the BOS patch can get here (e[0] = NaN)
            return PatchEntropySummary(index: j, start: start, length: length, firstByteEntropy: bytes.first!,
                                       meanEntropy: sum / Double(length), maxEntropy: maximum)
        }
    }
}
