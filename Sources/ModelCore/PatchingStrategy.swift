/// How the byte sequence is cut into patches.
///
/// Every rule works on the token sequence *including* BOS (length N): position 0 (BOS) and position 1
/// (first byte) always start patches, and a rule may start a patch at position N, which gives the
/// trailing zero-length patch transformers produces (its global state is never read by the decoder).
/// Lengths always sum to N.
public enum PatchingStrategy: Sendable, Equatable {
    /// What transformers does for this config: entropy-threshold patching with `patching_threshold`
    /// and `max_patch_length` when `patching_mode == "entropy"` and a patcher exists; otherwise its
    /// byte-level fallback (N+1 patches of length 1, then `max_patch_length`).
    case configDefault
    /// transformers' global-threshold rule: position t+1 starts a patch iff `H[t] > threshold`
    /// (strict, t ≥ 1, compared in Float like the fp32 reference). `nil` = config threshold.
    case entropyThreshold(Float? = nil)
    /// The original BLT's approximate monotonic rule (`patch_start_mask_from_entropy_with_monotonicity`):
    /// position t+1 starts a patch iff `H[t] - H[t-1] > rise` for t ≥ 2; position 2 always starts one
    /// (the original forces the first compared entry to true).
    case entropyRise(Float)
    /// The original BLT's combined rule (`patch_start_mask_global_and_monotonicity`): for t ≥ 2,
    /// `H[t] > threshold` **and** `H[t] - H[t-1] > rise`; position 2 always starts a patch.
    case entropyThresholdAndRise(threshold: Float, rise: Float)
    /// Either rule: `H[t] > threshold` **or** `H[t] - H[t-1] > rise` (t ≥ 2; for t = 1 only the
    /// threshold applies).
    case entropyThresholdOrRise(threshold: Float, rise: Float)
    /// BOS alone, then consecutive patches of `size` bytes (the last may be shorter). No entropy needed.
    case fixed(Int)
    /// A new patch starts after every space-like byte (ASCII space, \t, \n, \v, \f, \r). Also starts at
    /// position 1. A trailing space gives a trailing zero-length patch.
    case space
    /// Lengths given by the caller (must be non-negative; transformers accepts any sum, as do we:
    /// bytes past the sum belong to the last patch, surplus length stays empty).
    case explicit([Int])

    /// Whether this strategy reads entropies (so the patcher must run).
    public var needsEntropy: Bool {
        switch self {
        case .entropyThreshold, .entropyRise, .entropyThresholdAndRise, .entropyThresholdOrRise: return true
        default: return false
        }
    }
}
