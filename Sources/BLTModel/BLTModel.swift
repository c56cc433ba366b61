import Foundation
import Kernels
import Metrics

/// A loaded Byte Latent Transformer (`BltForCausalLM` of transformers 5.24.0) ready for inference.
///
/// Loading validates every tensor's presence, dtype and shape against `config.json` before anything
/// runs. Dense weights are prepared once per tensor for the compute precision (fp32: transposed Float
/// copies; bf16: BF16 tensors used in place from the memory map), and converted tensors' mapped pages
/// are released; embedding tables always stay memory-mapped and are gathered row by row. The value is immutable and `Sendable`, so one model can serve many
/// concurrent `forward` calls.
public struct BLTModel: ByteLevelModel {
    public let config: BLTConfig
    /// The checkpoint directory the model was loaded from (for a random-initialised model: the directory
    /// its config came from, or the current directory).
    public let directory: URL
    /// How the weights were obtained, for reports: `BLT (<directory>)` or `BLT, random init (seed S)`.
    public let modelDescription: String
    let weights: BLTWeights
    /// `LoadOptions.releasesMappedWeightsAfterUse`.
    let releasesMappedWeights: Bool
    /// `HookPoint.catalogue(for: config)`, built once (every forward call resolves its hooks against it).
    let catalogue: [HookPoint]
    /// The shared transformer computations (products, attention, blocks) with this model's load options.
    var blocks: TransformerBlocks { TransformerBlocks(releasesMappedWeights: releasesMappedWeights) }

    /// Loads `config.json` and `model.safetensors` (or a sharded `model.safetensors.index.json`) from
    /// a Hugging Face checkpoint directory.
    /// - Throws: `BLTConfigError` for a bad config, `CheckpointError` for bad weight files.
    /// - Parameter options: matrix precision (default fp32, the parity-tested path).
    public init(directory: URL, options: LoadOptions = LoadOptions()) throws {
        let config = try BLTConfig(contentsOf: directory.appendingPathComponent("config.json"))
        let files = try CheckpointFiles(directory: directory)
        try self.init(config: config, directory: directory, files: files, options: options,
                      description: "BLT (\(directory.path))")
    }

    init(config: BLTConfig, directory: URL, files: CheckpointFiles, options: LoadOptions, description: String) throws {
        self.config = config
        self.directory = directory
        self.modelDescription = description
        self.weights = try BLTWeights(config: config, files: files, precision: options.matrixPrecision)
        self.releasesMappedWeights = options.releasesMappedWeightsAfterUse
        self.catalogue = HookPoint.catalogue(for: config)
    }

    /// A BLT of `config` with seeded random weights (`RandomWeights`: truncated normal with the fan-in scale
    /// of transformers' BLT initialisation, norms 1), generated in memory: the untrained control of a study.
    /// - Parameter directory: recorded as the model's directory (e.g. where `config` came from).
    /// - Throws: `CheckpointError.tensorTooLarge` above `RandomWeights.maxElements` values.
    public static func randomlyInitialised(config: BLTConfig, seed: UInt64,
                                           directory: URL = URL(fileURLWithPath: "."),
                                           options: LoadOptions = LoadOptions()) throws -> BLTModel {
        let files = try RandomWeights.checkpoint(specs: config.expectedTensors, seed: seed)
        return try BLTModel(config: config, directory: directory, files: files, options: options,
                            description: "BLT, random init (seed \(seed))")
    }

    /// Convenience for a path string.
    public init(path: String) throws { try self.init(directory: URL(fileURLWithPath: path)) }

    /// Every hook point of this model, in forward order.
    public var hookPoints: [HookPoint] { catalogue }

    /// Whether the checkpoint has an entropy model (`patch_in_forward`), i.e. whether forwards report entropy.
    public var hasEntropyModel: Bool { config.patchInForward }

    /// The dimensions of this BLT for FLOP attribution (`ComputeAllocation`).
    public func computeShape() throws -> ModelShape { try ModelShape(config: config) }
}

extension ModelShape {
    /// The dimensions of a BLT config, for FLOP attribution.
    public init(config c: BLTConfig) throws {
        func stack(_ s: BLTStackConfig) throws -> StackShape {
            try StackShape(layers: s.numHiddenLayers, hidden: s.hiddenSize, heads: s.numAttentionHeads,
                           kvHeads: s.numKeyValueHeads, intermediate: s.intermediateSize, window: s.slidingWindow)
        }
        try self.init(patcher: c.patchInForward ? try stack(c.patcher) : nil, encoder: try stack(c.encoder),
                      global: try stack(c.global), decoder: try stack(c.decoder), vocabulary: c.vocabSize,
                      crossAttentionK: c.crossAttnK, encoderCrossAttentionAllLayers: c.encoder.crossAttnAllLayers,
                      decoderCrossAttentionAllLayers: c.decoder.crossAttnAllLayers, hashEmbeddingTables: c.hashTableCount)
    }
}
