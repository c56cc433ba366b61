/// Errors from patching options.
public enum PatchingError: Error, CustomStringConvertible, Equatable {
    case needsPatcher(String)
    case invalidFixedSize(Int)
    case negativeLength(index: Int, value: Int)
    case emptyExplicitLengths

    public var description: String {
        switch self {
        case .needsPatcher(let s): return "patching strategy \(s) needs entropies but the checkpoint has no patcher (patch_in_forward is false)"
        case .invalidFixedSize(let n): return "fixed patch size must be positive, got \(n)"
        case let .negativeLength(i, v): return "explicit patch length #\(i) is negative (\(v))"
        case .emptyExplicitLengths: return "explicit patch lengths must not be empty"
        }
    }
}

/// Pure patching functions (no model needed), exposed for tests and studies.
public enum Patching {
    /// Lengths from patch start positions (sorted, first is 0, all ≤ n).
    public static func lengths(starts: [Int], count n: Int) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(starts.count)
        for j in starts.indices {
            let end = j + 1 < starts.count ? starts[j + 1] : n
            out.append(end - starts[j])
        }
        return out
    }

    /// Starts `[0, 1] + [t+1 | t ∈ 1..<n, rule(t)]`. transformers always emits both 0 and 1, so n = 1
    /// (BOS only) gives lengths `[1, 0]`.
    static func starts(count n: Int, _ rule: (Int) -> Bool) -> [Int] {
        var s = [0, 1]
        if n >= 2 { for t in 1..<n where rule(t) { s.append(t + 1) } }
        return s
    }

    /// transformers' `patch_lengths_from_entropies` (global threshold, strict `>`).
    public static func thresholdLengths(entropy h: [Float], threshold: Float) -> [Int] {
        lengths(starts: starts(count: h.count) { h[$0] > threshold }, count: h.count)
    }

    /// Lengths for any strategy. `entropy` is required by the entropy rules.
    public static func lengths(
        strategy: PatchingStrategy, bytes: [UInt8], entropy: [Float]?, config: BLTConfig
    ) throws(PatchingError) -> [Int] {
        let n = bytes.count + 1
        func h() throws(PatchingError) -> [Float] {
            guard let entropy else { throw .needsPatcher("\(strategy)") }
            return entropy
        }
        var result: [Int]
        switch strategy {
        case .configDefault:
            if config.patchingMode == "entropy" && config.patchInForward {
                guard config.patchSize != nil else {
                    // BltPatcher returns ones(N) when patch_size is None.
                    return applyMaxLength([Int](repeating: 1, count: n), config.maxPatchLength)
                }
                return try lengths(strategy: .entropyThreshold(nil), bytes: bytes, entropy: entropy, config: config)
            }
            return applyMaxLength([Int](repeating: 1, count: n + 1), config.maxPatchLength)
        case .entropyThreshold(let threshold):
            let e = try h()
            result = thresholdLengths(entropy: e, threshold: threshold ?? Float(config.patchingThreshold))
        case .entropyRise(let rise):
            let e = try h()
            result = lengths(starts: starts(count: n) { t in t == 1 || e[t] - e[t - 1] > rise }, count: n)
        case let .entropyThresholdAndRise(threshold, rise):
            let e = try h()
            result = lengths(starts: starts(count: n) { t in
                t == 1 || (e[t] > threshold && e[t] - e[t - 1] > rise)
            }, count: n)
        case let .entropyThresholdOrRise(threshold, rise):
            let e = try h()
            result = lengths(starts: starts(count: n) { t in
                e[t] > threshold || (t >= 2 && e[t] - e[t - 1] > rise)
            }, count: n)
        case .fixed(let size):
            guard size > 0 else { throw .invalidFixedSize(size) }
            var s = [0]
            var p = 1
            while p < n {
                s.append(p)
                let (next, overflow) = p.addingReportingOverflow(size)  // fixed:Int.max is one patch, not a trap
                if overflow { break }
                p = next
            }
            if n == 1 { s.append(1) }
            result = lengths(starts: s, count: n)
        case .space:
            result = lengths(starts: starts(count: n) { t in isSpaceLike(bytes[t - 1]) }, count: n)
        case .explicit(let given):
            guard !given.isEmpty else { throw .emptyExplicitLengths }
            for (i, v) in given.enumerated() where v < 0 { throw .negativeLength(index: i, value: v) }
            return given
        }
        return applyMaxLength(result, config.maxPatchLength)
    }

    /// ASCII whitespace: space, tab, LF, VT, FF, CR.
    public static func isSpaceLike(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }

    /// transformers' `process_patch_lengths` for one row: each positive length L becomes
    /// `[m] * (L / m) + [L % m]` (remainder only if non-zero); zero lengths are dropped (so a trailing
    /// zero-length patch disappears). `nil` is a no-op.
    public static func applyMaxLength(_ lengths: [Int], _ maximum: Int?) -> [Int] {
        guard let m = maximum else { return lengths }
        var out: [Int] = []
        for l in lengths where l > 0 {
            for _ in 0..<(l / m) { out.append(m) }
            if l % m > 0 { out.append(l % m) }
        }
        return out
    }

    /// `BltModel._patch_ids_from_lengths`: `id[t] = #{j : start_j ≤ t} − 1` with
    /// `start_j = Σ_{i<j} lengths[i]`. Zero-length patches own no byte; bytes past the total length
    /// belong to the last patch. Empty `lengths` gives all zeros (transformers always has start 0).
    public static func patchIDs(lengths: [Int], count n: Int) -> [Int] {
        var starts = [0]
        var total = 0
        for l in lengths.dropLast() { total += l; starts.append(total) }
        var ids = [Int](repeating: 0, count: n)
        var j = 0
        for t in 0..<n {
            while j + 1 < starts.count && starts[j + 1] <= t { j += 1 }
            ids[t] = j
        }
        return ids
    }

    /// Decoder patch ids: `patchIDs(lengths[1:])` — byte t reads the global state of the patch before
    /// the one holding byte t+1.
    public static func decoderPatchIDs(lengths: [Int], count n: Int) -> [Int] {
        patchIDs(lengths: Array(lengths.dropFirst()), count: n)
    }
}
