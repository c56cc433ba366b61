import Foundation
import Kernels

/// A loaded Byte Latent Transformer (`BltForCausalLM` of transformers 5.24.0) ready for inference.
///
/// Loading validates every tensor's presence, dtype and shape against `config.json` before anything
/// runs. Dense weights are prepared once per tensor for the compute precision (fp32: transposed Float
/// copies; bf16: BF16 tensors used in place from the memory map), and converted tensors' mapped pages
/// are released; embedding tables always stay memory-mapped and are gathered row by row. The value is immutable and `Sendable`, so one model can serve many
/// concurrent `forward` calls.
public struct BLTModel: Sendable {
    public let config: BLTConfig
    /// The checkpoint directory the model was loaded from.
    public let directory: URL
    let weights: BLTWeights
    /// `LoadOptions.releasesMappedWeightsAfterUse`.
    let releasesMappedWeights: Bool
    /// `HookPoint.catalogue(for: config)`, built once (every forward call resolves its hooks against it).
    let catalogue: [HookPoint]

    /// Loads `config.json` and `model.safetensors` (or a sharded `model.safetensors.index.json`) from
    /// a Hugging Face checkpoint directory.
    /// - Throws: `BLTConfigError` for a bad config, `CheckpointError` for bad weight files.
    /// - Parameter options: matrix precision (default fp32, the parity-tested path).
    public init(directory: URL, options: LoadOptions = LoadOptions()) throws {
        let config = try BLTConfig(contentsOf: directory.appendingPathComponent("config.json"))
        let files = try CheckpointFiles(directory: directory)
        self.config = config
        self.directory = directory
        self.weights = try BLTWeights(config: config, files: files, precision: options.matrixPrecision)
        self.releasesMappedWeights = options.releasesMappedWeightsAfterUse
        self.catalogue = HookPoint.catalogue(for: config)
    }

    /// Convenience for a path string.
    public init(path: String) throws { try self.init(directory: URL(fileURLWithPath: path)) }

    /// Every hook point of this model, in forward order.
    public var hookPoints: [HookPoint] { catalogue }
}

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
