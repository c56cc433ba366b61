import BLTModel
import HDF5Store
import Metrics

/// The per-item scalar columns of `/items` (after the fixed columns), in order. Entropies in bits;
/// every value is NaN when it is undefined for the item (no entropy model, empty analysis span, no
/// scored bytes, no trigram model).
public enum ItemMetrics {
    /// Bytes in the analysis span (the content, without the probe suffix).
    public static let contentBytes = "content_bytes"
    /// Mean byte-aligned entropy over the analysis span, bits: the study's primary entropy measure.
    public static let meanEntropyBits = "mean_entropy_bits"
    /// The model's own next-byte loss over the span, bits per byte.
    public static let bitsPerByte = "bits_per_byte"
    /// Non-empty patches starting in the span per span byte.
    public static let patchesPerByte = "patches_per_byte"
    /// Mean length of those patches.
    public static let meanPatchLength = "mean_patch_length"
    /// Mean entropy about those patches' first bytes (per-patch weighting), bits.
    public static let meanFirstByteEntropyBits = "mean_first_byte_entropy_bits"
    /// Mean entropy over the task's scored bytes (answers), bits; NaN for non-task ladders.
    public static let scoredEntropyBits = "scored_entropy_bits"
    /// Model-free distance from the training distribution: trigram bits per byte of the span.
    public static let shiftBitsPerByte = "shift_bits_per_byte"
    /// The same surprisal per Unicode scalar (scripts need 1–4 bytes per character).
    public static let shiftBitsPerScalar = "shift_bits_per_scalar"
    /// Mean FLOPs attributed to each span byte under the run's patching (entropy model included when
    /// the patching reads entropies).
    public static let flopsPerByte = "flops_per_byte"
    /// Share of those FLOPs spent in the global transformer.
    public static let globalFLOPsFraction = "global_flops_fraction"
    /// Mean FLOPs per span byte of the same item under fixed-size patching (the control; no entropy
    /// model), patch size `control_patch_size` of the run configuration.
    public static let fixedPatchingFLOPsPerByte = "fixed_patching_flops_per_byte"
    /// Task items: the BLT's own teacher-forced loss over the scored answer bytes, bits per byte (see
    /// `AnswerScore`; for Dyck only the closing brackets). NaN for non-task items. Measured difficulty:
    /// unlike the level index it says how hard the item is *for this model*.
    public static let answerLossBits = "answer_loss_bits"
    /// Task items: 1 if the BLT's arg-max is the true byte at every scored answer position (equal to greedy
    /// decoding of the answer, see `AnswerScore`), else 0; its mean over items is the greedy accuracy. NaN
    /// for non-task items.
    public static let answerExactMatch = "answer_exact_match"

    /// Length in bytes of the patch containing the probe position (where per-item sparsity is read).
    public static let probePatchLength = "probe_patch_length"
    /// Mean byte-aligned entropy over that patch, bits: the entropy *local to the probe*, the covariate
    /// of test (c) (the span mean says little about the state at the probe).
    public static let probePatchEntropyBits = "probe_patch_entropy_bits"

    /// Byte-class mix of the analysis span (an input statistic, held fixed in test (c)): the share of its bytes
    /// that are ASCII letters (A–Z, a–z), and the share that are not ASCII (≥ 0x80: UTF-8 lead and continuation
    /// bytes, or invalid bytes). The rest (digits, spaces, punctuation, controls) is 1 − both.
    public static let asciiLetterFraction = "ascii_letter_fraction"
    public static let nonASCIIFraction = "non_ascii_fraction"

    /// `long_name` and `units` of every metric, written as attributes of its `/items` column.
    public static let descriptions: [String: ProbeRunColumnDescription] = [
        contentBytes: .init(longName: "bytes in the analysis span", units: "byte"),
        meanEntropyBits: .init(longName: "mean next-byte entropy of the entropy model over the analysis span", units: "bit"),
        bitsPerByte: .init(longName: "the model's next-byte loss over the analysis span", units: "bit/byte"),
        patchesPerByte: .init(longName: "non-empty patches starting in the span per span byte", units: "patch/byte"),
        meanPatchLength: .init(longName: "mean length of the patches starting in the span", units: "byte"),
        meanFirstByteEntropyBits: .init(longName: "mean entropy about the first bytes of the span's patches", units: "bit"),
        scoredEntropyBits: .init(longName: "mean entropy over the task's scored answer bytes", units: "bit"),
        shiftBitsPerByte: .init(longName: "byte-trigram surprisal of the span against the training text", units: "bit/byte"),
        shiftBitsPerScalar: .init(longName: "byte-trigram surprisal of the span per Unicode scalar", units: "bit/scalar"),
        flopsPerByte: .init(longName: "forward FLOPs per span byte under the run's patching", units: "FLOP/byte"),
        globalFLOPsFraction: .init(longName: "share of the FLOPs spent in the global transformer", units: "1"),
        fixedPatchingFLOPsPerByte: .init(longName: "forward FLOPs per span byte under fixed-size patching (control)", units: "FLOP/byte"),
        probePatchLength: .init(longName: "length of the patch containing the probe position", units: "byte"),
        probePatchEntropyBits: .init(longName: "mean entropy over the patch containing the probe position", units: "bit"),
        answerLossBits: .init(longName: "teacher-forced loss over the scored answer bytes", units: "bit/byte"),
        answerExactMatch: .init(longName: "1 if greedy decoding gives every scored answer byte, else 0", units: "1"),
        asciiLetterFraction: .init(longName: "share of the span's bytes that are ASCII letters", units: "1"),
        nonASCIIFraction: .init(longName: "share of the span's bytes that are not ASCII (>= 0x80)", units: "1"),
    ]

    /// Column order of `/items` metrics. New metrics are appended at the end (readers look them up by name).
    public static let names = [
        contentBytes, meanEntropyBits, bitsPerByte, patchesPerByte, meanPatchLength, meanFirstByteEntropyBits,
        scoredEntropyBits, shiftBitsPerByte, shiftBitsPerScalar, flopsPerByte, globalFLOPsFraction, fixedPatchingFLOPsPerByte,
        probePatchLength, probePatchEntropyBits,
        answerLossBits, answerExactMatch,
        asciiLetterFraction, nonASCIIFraction,
    ]
}
