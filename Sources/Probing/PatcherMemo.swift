import Parallelism

/// What the trained arm computed about an item from its bytes alone, kept for the control arms of the
/// same bytes so that they do not compute it again.
///
/// The patcher (the BLT's entropy model) reads only the bytes, so for the same bytes it gives the same
/// entropies and the same activations under every patching. A study runs each item three times: the
/// trained arm, the patch-length control (the same model under fixed-size patches) and the model control
/// (an untrained model cut into the trained model's patches). Recomputed, the patch-length control
/// repeats the patcher's forward and the reducers on its 8 measured hooks, and the model control repeats
/// the patcher's forward to get the trained patches: together about a fifth of a study's item stage on
/// the shipped model. Instead the trained arm leaves here the patcher's entropies, the entropy model's
/// log-probabilities, the stored measures of every patcher hook and its patch lengths; the control arms
/// take them (`ForwardOptions.patcherEntropy` makes the forward skip the patcher).
///
/// Nothing depends on a hit: a miss (the trained item ran in an earlier, interrupted process; the control
/// item started before the trained one finished; two items with the same bytes; the budget was full)
/// recomputes the same values bit for bit, so the file is identical either way — which the equality of a
/// fresh study with the committed `Reports/ood` tests end to end.
///
/// Entries are keyed by the item's bytes and dropped when taken. Memory is bounded by `byteBudget`
/// (default 512 MiB, about 3,000 items of 400 bytes with the default study's 8 patcher hooks × 12
/// columns; the default study holds at most ~60 MB): past it, new entries are not kept and their
/// control items recompute.
final class PatcherMemo: Sendable {
    /// The patcher's share of one trained item.
    struct PatcherOutput: Sendable {
        /// `ForwardResult.entropy` (nats, `[N]`).
        var entropy: [Float]
        /// Negative log-probabilities of the entropy model at every position (`nil` when it has no logits hook).
        var losses: [Double]?
        /// Stored measure values per patcher hook and measure column, `[N]` each (row r = position r).
        var hookValues: [String: [String: [Float]]]

        var byteCount: Int {
            entropy.count * 4 + (losses?.count ?? 0) * 8
                + hookValues.values.reduce(0) { $0 + $1.values.reduce(0) { $0 + $1.count * 4 } }
        }
    }

    static let defaultByteBudget = 512 << 20

    private struct State {
        var outputs: [[UInt8]: PatcherOutput] = [:]
        var patches: [[UInt8]: [Int]] = [:]
        var bytesHeld = 0
        var outputsTaken = 0, patchesTaken = 0
    }

    let byteBudget: Int
    /// Which control arms will ask (an entry nobody will take is not kept).
    let keepsOutputs: Bool
    let keepsPatches: Bool
    private let state = Locked(State())

    init(forPatchControl: Bool, forModelControl: Bool, byteBudget: Int = PatcherMemo.defaultByteBudget) {
        keepsOutputs = forPatchControl
        keepsPatches = forModelControl
        self.byteBudget = byteBudget
    }

    /// Records the trained arm's results for `bytes` (what fits in the budget).
    func store(bytes: [UInt8], output: PatcherOutput, patchLengths: [Int]) {
        let outputCost = keepsOutputs ? output.byteCount + bytes.count : 0
        let patchCost = keepsPatches ? patchLengths.count * 8 + bytes.count : 0
        state.withLock { s in
            if keepsOutputs, s.outputs[bytes] == nil, s.bytesHeld + outputCost <= byteBudget {
                s.outputs[bytes] = output
                s.bytesHeld += outputCost
            }
            if keepsPatches, s.patches[bytes] == nil, s.bytesHeld + patchCost <= byteBudget {
                s.patches[bytes] = patchLengths
                s.bytesHeld += patchCost
            }
        }
    }

    /// How many entries the control arms have taken (hits), for tests and benchmarks.
    var taken: (outputs: Int, patches: Int) { state.withLock { s in (s.outputsTaken, s.patchesTaken) } }

    /// The patcher's output for `bytes`, removed from the memo; nil when it is not here.
    func takeOutput(bytes: [UInt8]) -> PatcherOutput? {
        state.withLock { s in
            guard let output = s.outputs.removeValue(forKey: bytes) else { return nil }
            s.bytesHeld -= output.byteCount + bytes.count
            s.outputsTaken += 1
            return output
        }
    }

    /// The trained arm's patch lengths for `bytes`, removed from the memo; nil when they are not here.
    func takePatchLengths(bytes: [UInt8]) -> [Int]? {
        state.withLock { s in
            guard let lengths = s.patches.removeValue(forKey: bytes) else { return nil }
            s.bytesHeld -= lengths.count * 8 + bytes.count
            s.patchesTaken += 1
            return lengths
        }
    }
}
