/// Dimensions of one transformer stack (patcher, local encoder, global transformer or local decoder),
/// enough to count its FLOPs. Mirrors the fields of a BLT sub-config; Metrics does not depend on BLTModel.
public struct StackShape: Sendable, Equatable, Codable {
    /// Number of transformer layers.
    public var layers: Int
    /// Hidden size D.
    public var hidden: Int
    /// Attention heads H (query heads).
    public var heads: Int
    /// Key/value heads K (H for no GQA).
    public var kvHeads: Int
    /// MLP intermediate size I (SwiGLU: gate, up and down projections).
    public var intermediate: Int
    /// Sliding causal self-attention window W (position t sees t−W+1…t), nil for full causal attention.
    public var window: Int?

    /// Head dimension D/H (BLT always derives it this way).
    public var headDim: Int { hidden / heads }

    /// - Throws: `.outOfRange` for non-positive sizes, `heads` not dividing `hidden`, `kvHeads` not dividing
    ///   `heads`, or a window < 1. `layers = 0` is allowed (a stack that does nothing).
    public init(layers: Int, hidden: Int, heads: Int, kvHeads: Int? = nil, intermediate: Int, window: Int? = nil)
        throws
    {
        let kv = kvHeads ?? heads
        guard layers >= 0 else { throw MetricsError.outOfRange(argument: "layers", value: layers, validRange: "0...") }
        guard hidden >= 1 else { throw MetricsError.outOfRange(argument: "hidden", value: hidden, validRange: "1...") }
        guard heads >= 1, hidden % heads == 0 else {
            throw MetricsError.outOfRange(argument: "heads", value: heads, validRange: "divisors of hidden \(hidden)")
        }
        guard kv >= 1, heads % kv == 0 else {
            throw MetricsError.outOfRange(argument: "kvHeads", value: kv, validRange: "divisors of heads \(heads)")
        }
        guard intermediate >= 1 else {
            throw MetricsError.outOfRange(argument: "intermediate", value: intermediate, validRange: "1...")
        }
        if let window, window < 1 {
            throw MetricsError.outOfRange(argument: "window", value: window, validRange: "1...")
        }
        self.layers = layers
        self.hidden = hidden
        self.heads = heads
        self.kvHeads = kv
        self.intermediate = intermediate
        self.window = window
    }

    /// Number of key positions a query at position t (0-based) attends to under causal masking with this
    /// stack's window: min(t + 1, W).
    public func visitedKeys(position t: Int) -> Int {
        guard let window else { return t + 1 }
        return min(t + 1, window)
    }

    /// FLOPs of one token through one layer, excluding the attention-score part: q, k, v, o projections
    /// 2·D·(H·hd) + 2·2·D·(K·hd) + 2·(H·hd)·D and the SwiGLU MLP 3·2·D·I.
    public var tokenLayerMatmulFLOPs: Double {
        let d = Double(hidden), q = Double(heads * headDim), kv = Double(kvHeads * headDim)
        return 2 * d * q + 4 * d * kv + 2 * q * d + 6 * d * Double(intermediate)
    }

    /// FLOPs of the attention products for one query visiting `keys` positions: scores Q·Kᵀ (2·H·hd per key)
    /// plus the weighted sum of V (2·H·hd per key).
    public func attentionFLOPs(keys: Int) -> Double { 4 * Double(heads * headDim) * Double(keys) }
}

/// The dimensions of a BLT model needed to attribute FLOPs to bytes.
///
/// Fill it from the model's `config.json` (BLTModel provides the numbers; Metrics stays independent).
/// Cross-attention blocks use the component's `heads`/`kvHeads`/`headDim`, as HF's `BltCrossAttention` does.
public struct ModelShape: Sendable, Equatable, Codable {
    /// The entropy model, nil when the checkpoint has none (then no patcher FLOPs are ever counted).
    public var patcher: StackShape?
    public var encoder: StackShape
    public var global: StackShape
    public var decoder: StackShape
    /// Byte vocabulary V (260): rows of the LM heads.
    public var vocabulary: Int
    /// `cross_attn_k`: query slots per patch.
    public var crossAttentionK: Int
    /// Encoder cross-attention after every layer (HF re-pools and re-projects each time) instead of only the last.
    public var encoderCrossAttentionAllLayers: Bool
    /// Decoder cross-attention before every layer instead of only the first.
    public var decoderCrossAttentionAllLayers: Bool
    /// Number of hash n-gram embedding tables added to each byte embedding (F·|G|, 6 for blt-1b).
    public var hashEmbeddingTables: Int
    /// A model that is only an entropy model (a standalone byte-level transformer, `entropyModelOnly`): only
    /// `patcher` is counted; encoder, global and decoder are placeholders of zero layers and count nothing.
    public var isEntropyModelOnly: Bool = false

    /// - Throws: `.outOfRange` for `vocabulary < 1`, `crossAttentionK < 1`, `hashEmbeddingTables < 0`, or an
    ///   encoder and decoder with different hidden sizes (BLT requires De = Dd).
    public init(patcher: StackShape?, encoder: StackShape, global: StackShape, decoder: StackShape,
                vocabulary: Int, crossAttentionK: Int, encoderCrossAttentionAllLayers: Bool,
                decoderCrossAttentionAllLayers: Bool, hashEmbeddingTables: Int) throws {
        guard vocabulary >= 1 else {
            throw MetricsError.outOfRange(argument: "vocabulary", value: vocabulary, validRange: "1...")
        }
        guard crossAttentionK >= 1 else {
            throw MetricsError.outOfRange(argument: "crossAttentionK", value: crossAttentionK, validRange: "1...")
        }
        guard hashEmbeddingTables >= 0 else {
            throw MetricsError.outOfRange(argument: "hashEmbeddingTables", value: hashEmbeddingTables,
                                          validRange: "0...")
        }
        guard encoder.hidden == decoder.hidden else {
            throw MetricsError.outOfRange(argument: "decoder.hidden", value: decoder.hidden,
                                          validRange: "equal to encoder.hidden \(encoder.hidden)")
        }
        self.patcher = patcher
        self.encoder = encoder
        self.global = global
        self.decoder = decoder
        self.vocabulary = vocabulary
        self.crossAttentionK = crossAttentionK
        self.encoderCrossAttentionAllLayers = encoderCrossAttentionAllLayers
        self.decoderCrossAttentionAllLayers = decoderCrossAttentionAllLayers
        self.hashEmbeddingTables = hashEmbeddingTables
    }

    /// A standalone byte-level transformer of `stack` with a `vocabulary`-row LM head: its FLOPs are the
    /// patcher's (layers, attention and LM head per byte); no other stack exists.
    public static func entropyModelOnly(_ stack: StackShape, vocabulary: Int) throws -> ModelShape {
        let none = try StackShape(layers: 0, hidden: stack.hidden, heads: stack.heads, kvHeads: stack.kvHeads,
                                  intermediate: stack.intermediate)
        var shape = try ModelShape(patcher: stack, encoder: none, global: none, decoder: none, vocabulary: vocabulary,
                                   crossAttentionK: 1, encoderCrossAttentionAllLayers: false,
                                   decoderCrossAttentionAllLayers: false, hashEmbeddingTables: 0)
        shape.isEntropyModelOnly = true
        return shape
    }

    /// True when the global transformer has an input projection (encoder.hidden·k ≠ global.hidden, 7B).
    public var hasGlobalInputProjection: Bool { encoder.hidden * crossAttentionK != global.hidden }

    /// Number of encoder cross-attention applications (1, or every encoder layer).
    public var encoderCrossAttentionCount: Int {
        encoderCrossAttentionAllLayers ? encoder.layers : min(1, encoder.layers)
    }

    /// Number of decoder cross-attention applications (1, or every decoder layer).
    public var decoderCrossAttentionCount: Int {
        decoderCrossAttentionAllLayers ? decoder.layers : min(1, decoder.layers)
    }

    /// The facebook/blt-1b shape (HF defaults, §1.4 of the architecture notes), window 512 for patcher,
    /// encoder and decoder as in transformers 5.24.0. Prefer building the shape from the actual config.json.
    // ok: constant, valid dimensions (checked by MetricsTests); no user input reaches this.
    public static let blt1B = try! ModelShape( // ok: constant literal dimensions, all valid (tested)
        patcher: StackShape(layers: 14, hidden: 768, heads: 12, intermediate: 2048, window: 512),
        encoder: StackShape(layers: 1, hidden: 1024, heads: 16, intermediate: 2816, window: 512),
        global: StackShape(layers: 25, hidden: 2048, heads: 16, intermediate: 5632, window: nil),
        decoder: StackShape(layers: 9, hidden: 1024, heads: 16, intermediate: 2816, window: 512),
        vocabulary: 260, crossAttentionK: 2, encoderCrossAttentionAllLayers: false,
        decoderCrossAttentionAllLayers: true, hashEmbeddingTables: 6)
}
