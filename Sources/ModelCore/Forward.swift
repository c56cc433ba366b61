/// Options of one forward call.
public struct ForwardOptions {
    /// How bytes are cut into patches (default: exactly what transformers does for the config).
    public var patching: PatchingStrategy
    /// Hooks of this call only.
    public var hooks: HookSet
    /// When `false`, the forward stops right after the deepest hook in `hooks` (or after patching if
    /// there are no hooks); `ForwardResult.logits` is then `nil`.
    public var computeLogits: Bool

    public init(patching: PatchingStrategy = .configDefault, hooks: HookSet = HookSet(), computeLogits: Bool = true) {
        self.patching = patching
        self.hooks = hooks
        self.computeLogits = computeLogits
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
