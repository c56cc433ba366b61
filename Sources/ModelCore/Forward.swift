/// Options of one forward call.
public struct ForwardOptions {
    /// How bytes are cut into patches (default: exactly what transformers does for the config).
    public var patching: PatchingStrategy
    /// Hooks of this call only.
    public var hooks: HookSet
    /// When `false`, the forward stops right after the deepest hook in `hooks` (or after patching if
    /// there are no hooks); `ForwardResult.logits` is then `nil`.
    public var computeLogits: Bool
    /// The patcher's per-byte entropy (nats, `[N]`: BOS and every byte) from an earlier forward of the
    /// *same bytes through the same model*, e.g. `ForwardResult.entropy` of a forward under another
    /// patching. When set, the patcher does not run: this entropy drives patching and is returned as
    /// `ForwardResult.entropy`, and the patcher's hooks do not fire (captures of them are absent, reducers
    /// and interventions on them are not called). The rest of the forward is bit for bit what it would be
    /// with the patcher run, since the patcher's output enters it only through the patches. A study uses
    /// it to run an item's control arms without recomputing the patcher (`ItemMeasurer`). Models without
    /// a separate patcher (a byte transformer is its own entropy model) reject it.
    /// - Throws (from the forward): `ForwardOptionsError` for a count other than N or a non-finite value.
    public var patcherEntropy: [Float]?

    public init(patching: PatchingStrategy = .configDefault, hooks: HookSet = HookSet(), computeLogits: Bool = true,
                patcherEntropy: [Float]? = nil) {
        self.patching = patching
        self.hooks = hooks
        self.computeLogits = computeLogits
        self.patcherEntropy = patcherEntropy
    }
}

/// A `ForwardOptions` value that does not fit the input or the model.
public enum ForwardOptionsError: Error, Equatable, CustomStringConvertible {
    /// `patcherEntropy` holds `got` values for an input of `expected` positions (BOS + bytes).
    case patcherEntropyCount(expected: Int, got: Int)
    /// `patcherEntropy[index]` is NaN, infinite or negative.
    case patcherEntropyValue(index: Int, value: Float)
    /// The model has no separate patcher whose output could be supplied.
    case patcherEntropyNotSupported(model: String)

    public var description: String {
        switch self {
        case let .patcherEntropyCount(expected, got):
            return "ForwardOptions.patcherEntropy has \(got) values; the input has \(expected) positions (BOS + bytes)"
        case let .patcherEntropyValue(index, value):
            return "ForwardOptions.patcherEntropy[\(index)] is \(value); an entropy is finite and ≥ 0"
        case let .patcherEntropyNotSupported(model):
            return "ForwardOptions.patcherEntropy does not apply to \(model): it has no separate patcher"
        }
    }

    /// Checks `entropy` for an input of `positions` positions.
    public static func check(_ entropy: [Float], positions: Int) throws(ForwardOptionsError) {
        guard entropy.count == positions else { throw .patcherEntropyCount(expected: positions, got: entropy.count) }
        if let bad = entropy.firstIndex(where: { !($0.isFinite && $0 >= 0) }) {
            throw .patcherEntropyValue(index: bad, value: entropy[bad])
        }
    }
}

/// Everything one forward call produces.
public struct ForwardResult: Sendable {
    /// A result (models build it at the end of their forward pass).
    public init(inputIDs: [Int], entropy: [Float]?, patchLengths: [Int], patchIDs: [Int], decoderPatchIDs: [Int],
                logits: HookTensor?, activations: [String: HookTensor], stoppedAfter: String?) {
        self.inputIDs = inputIDs
        self.entropy = entropy
        self.patchLengths = patchLengths
        self.patchIDs = patchIDs
        self.decoderPatchIDs = decoderPatchIDs
        self.logits = logits
        self.activations = activations
        self.stoppedAfter = stoppedAfter
    }

    /// `[BOS] + bytes + 4`, length N.
    public var inputIDs: [Int]
    /// Per-byte entropy of the patcher in nats (`[N]`), `nil` if the patcher did not run (no patcher
    /// in the checkpoint, or a strategy that needs no entropy on a config without entropy patching).
    public var entropy: [Float]?
    /// Patch lengths (sum N; may end with a zero-length patch).
    public var patchLengths: [Int]
    /// Encoder patch id of every byte (`[N]`).
    public var patchIDs: [Int]
    /// Decoder patch id of every byte (`[N]`): which global state byte t reads.
    public var decoderPatchIDs: [Int]
    /// `[N, vocab]` float32 logits, `nil` if the pass stopped early.
    public var logits: HookTensor?
    /// Captured activations by hook name.
    public var activations: [String: HookTensor]
    /// Name of the hook after which the pass stopped early, if it did.
    public var stoppedAfter: String?
}
