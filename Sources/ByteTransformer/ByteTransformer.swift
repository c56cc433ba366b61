import Foundation
import Kernels
import Metrics
import ModelCore

/// A causal byte-level transformer on its own: embedding → pre-norm Llama blocks (RoPE, SwiGLU, optional
/// sliding window) → RMSNorm → LM head, over BLT's byte tokens (BOS + byte + 4).
///
/// This is exactly a BLT's entropy model, so `BLTModel` runs its patcher through `ByteTransformer.run`,
/// and `ByteTransformer(entropyModelOf:)` (BLTModel module) loads the entropy model of a BLT checkpoint
/// as a standalone model: a natural non-BLT control with the same hooks as the BLT's patcher
/// (`patcher.hook_embed`, `patcher.blocks.<l>.*`, `patcher.hook_logits`, `patching.hook_entropy`).
/// `ByteTransformer.randomlyInitialised(stack:seed:)` gives a seeded random model of any stack config.
///
/// It does not patch: a forward pass reports every byte as its own step (`ByteLevelModel`).
public struct ByteTransformer: ByteLevelModel {
    public let stack: TransformerStackConfig
    public let modelDescription: String
    let weights: ByteTransformerWeights
    let catalogue: [HookPoint]
    let blocks: TransformerBlocks

    /// A model from weights already validated against `stack`.
    package init(stack: TransformerStackConfig, weights: ByteTransformerWeights, description: String,
                 transformersModule: String, releasesMappedWeights: Bool) {
        self.stack = stack
        self.weights = weights
        self.modelDescription = description
        self.catalogue = Self.catalogue(stack: stack, module: transformersModule)
        self.blocks = TransformerBlocks(releasesMappedWeights: releasesMappedWeights)
    }

    /// A model of `stack` with seeded random weights (`RandomWeights`: truncated normal with the fan-in
    /// scale of transformers' BLT initialisation, norms 1). No file is read or written.
    /// - Throws: `CheckpointError` when the stack's tensors would exceed `RandomWeights.maxElements`.
    public static func randomlyInitialised(stack: TransformerStackConfig, seed: UInt64) throws -> ByteTransformer {
        let prefix = "model.patcher"
        let specs = ByteTransformerWeights.tensorSpecs(prefix: prefix, stack)
        let files = try RandomWeights.checkpoint(specs: specs, seed: seed)
        let weights = ByteTransformerWeights(prefix: prefix, stack: stack, tensors: files.tensors, precision: .fp32)
        return ByteTransformer(stack: stack, weights: weights, description: "byte transformer, random init (seed \(seed))",
                               transformersModule: prefix, releasesMappedWeights: false)
    }

    public var hookPoints: [HookPoint] { catalogue }
    public var hasEntropyModel: Bool { true }

    /// The hook catalogue of a byte transformer of `stack` (no weights needed).
    public static func catalogue(stack: TransformerStackConfig, module: String = "model.patcher") -> [HookPoint] {
        var builder = HookCatalogueBuilder()
        builder.entropyModel(stack, module: module)
        return builder.points
    }

    /// One stack over bytes, counted as the patcher of a shape whose other stacks are absent.
    public func computeShape() throws -> ModelShape {
        try ModelShape.entropyModelOnly(StackShape(layers: stack.numHiddenLayers, hidden: stack.hiddenSize,
                                                   heads: stack.numAttentionHeads, kvHeads: stack.numKeyValueHeads,
                                                   intermediate: stack.intermediateSize, window: stack.slidingWindow),
                                        vocabulary: stack.vocabSize)
    }

    public func forward(bytes: [UInt8], options: ForwardOptions) throws -> ForwardResult {
        ComputeThreads.prepareWorkers()
        if options.patching != .configDefault {
            // Patching strategies have no meaning without a patched model; say so instead of ignoring them.
            throw ByteTransformerError.patchingNotSupported(String(describing: options.patching))
        }
        if options.patcherEntropy != nil { throw ForwardOptionsError.patcherEntropyNotSupported(model: modelDescription) }
        let runner = try HookRunner(hooks: options.hooks, catalogue: catalogue, stopAfterDeepest: !options.computeLogits)
        let ids = ByteTokens.ids(for: bytes)
        let n = ids.count
        var logits: [Float] = []
        var entropy: [Float]?
        var stoppedAfter: String?
        do {
            (logits, entropy) = try Self.run(weights, stack: stack, ids: ids, runner: runner, blocks: blocks)
        } catch is EarlyStop {
            stoppedAfter = runner.deepestIndex.map { catalogue[$0].name }
        }
        let steps = Array(0..<n)
        return ForwardResult(
            inputIDs: ids, entropy: entropy, patchLengths: Array(repeating: 1, count: n), patchIDs: steps,
            decoderPatchIDs: steps,
            logits: stoppedAfter == nil ? HookTensor(validShape: [n, stack.vocabSize], values: logits) : nil,
            activations: runner.captured, stoppedAfter: stoppedAfter)
    }

    /// Embedding, blocks, norm, LM head and entropy, firing the entropy-model hooks. Returns the `[N, V]`
    /// logits and `[N]` entropies (nats). Shared with the BLT's patcher.
    /// `segments`: row counts of sequences packed one after another in `ids` (nil: one sequence); each attends
    /// and is rotated within itself only.
    package static func run(_ w: ByteTransformerWeights, stack s: TransformerStackConfig, ids: [Int], segments: [Int]? = nil,
                            runner: HookRunner, blocks: TransformerBlocks) throws -> (logits: [Float], entropy: [Float]) {
        let n = ids.count, dp = s.hiddenSize
        var x = [Float](repeating: 0, count: n * dp)
        x.withUnsafeMutableBufferPointer { buffer in
            for t in 0..<n { w.embed.copyRow(ids[t], into: buffer.baseAddress! + t * dp) }
        }
        try runner.fire(HookName(valid: .patcher, .component, .embed), &x, rows: n, columns: dp)
        let rope = segments.map { RotaryEmbedding(theta: s.ropeTheta, headDim: s.headDim, segments: $0) }
            ?? RotaryEmbedding(theta: s.ropeTheta, headDim: s.headDim, positions: n)
        let ranges = segments.map { KeyRanges.causal(segments: $0, window: s.slidingWindow) } ?? KeyRanges.causal(length: n, window: s.slidingWindow)
        for (l, layer) in w.layers.enumerated() {
            try blocks.transformerLayer(&x, rows: n, layer: layer, stack: s, rope: rope, ranges: ranges,
                                        component: .patcher, index: l, runner: runner)
        }
        let normed = RMSNorm.apply(x, columns: dp, weight: w.norm, eps: s.rmsNormEps)
        var logits = try blocks.linear(normed, rows: n, w.lmHead)
        try runner.fire(HookName(valid: .patcher, .component, .logits), &logits, rows: n, columns: s.vocabSize)
        var entropy = entropies(logits: logits, rows: n, columns: s.vocabSize)
        try runner.fire(HookName(valid: .patching, .component, .entropy), &entropy, rows: n, columns: 1)
        return (logits, entropy)
    }

    /// Entropy (nats) of softmax over each row, computed in Double from Float logits. A row with
    /// -inf entries contributes 0 for them; a NaN logit gives NaN.
    package static func entropies(logits: [Float], rows: Int, columns: Int) -> [Float] {
        var out = [Float](repeating: 0, count: rows)
        for r in 0..<rows {
            let base = r * columns
            var maxLogit = -Double.infinity
            for v in 0..<columns { maxLogit = max(maxLogit, Double(logits[base + v])) }
            var total = 0.0
            for v in 0..<columns { total += Foundation.exp(Double(logits[base + v]) - maxLogit) }
            let logTotal = Foundation.log(total)
            var h = 0.0
            for v in 0..<columns {
                let logP = Double(logits[base + v]) - maxLogit - logTotal
                if logP > -Double.infinity { h -= Foundation.exp(logP) * logP }
            }
            out[r] = Float(h)
        }
        return out
    }
}

/// Requests a byte transformer cannot serve.
public enum ByteTransformerError: Error, Equatable, CustomStringConvertible {
    /// A patching strategy other than the default: a byte transformer processes every byte as its own step.
    case patchingNotSupported(String)

    public var description: String {
        switch self {
        case .patchingNotSupported(let s):
            return "patching strategy \(s) does not apply to a byte transformer (it has no patches; every byte is one step)"
        }
    }
}
