/// Hyper-parameters of one Llama-style transformer stack (pre-norm RMSNorm, RoPE, SwiGLU, no biases):
/// a BLT's patcher, local encoder, local decoder or global transformer, or a standalone byte-level
/// transformer. BLTModel decodes it from a `*_config` object of `config.json`.
public struct TransformerStackConfig: Sendable, Equatable {
    public var hiddenSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    /// `num_key_value_heads`; `nil`/0 in the JSON means "equal to the heads".
    public var numKeyValueHeads: Int
    public var intermediateSize: Int
    public var rmsNormEps: Float
    /// `rope_parameters.rope_theta`, else a top-level `rope_theta`, else the class default
    /// (500000 for encoder/decoder/global, 10000 for the patcher).
    public var ropeTheta: Double
    /// Causal sliding window in keys (query i sees i-W+1 ... i); `nil` = plain causal.
    public var slidingWindow: Int?
    /// Encoder/decoder only: cross-attention after every layer (`true`) or only the last (encoder) /
    /// first (decoder) layer.
    public var crossAttnAllLayers: Bool
    /// Encoder/decoder only.
    public var crossAttnK: Int
    /// Encoder/decoder only: hidden size of the global transformer they talk to.
    public var hiddenSizeGlobal: Int
    public var vocabSize: Int

    /// `hidden_size / num_attention_heads` (transformers recomputes it this way and ignores `head_dim`).
    public var headDim: Int { numAttentionHeads > 0 ? hiddenSize / numAttentionHeads : 0 }

    public init(hiddenSize: Int, numHiddenLayers: Int, numAttentionHeads: Int, numKeyValueHeads: Int, intermediateSize: Int,
                rmsNormEps: Float, ropeTheta: Double, slidingWindow: Int?, crossAttnAllLayers: Bool = false,
                crossAttnK: Int = 0, hiddenSizeGlobal: Int = 0, vocabSize: Int) {
        self.hiddenSize = hiddenSize
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.numKeyValueHeads = numKeyValueHeads
        self.intermediateSize = intermediateSize
        self.rmsNormEps = rmsNormEps
        self.ropeTheta = ropeTheta
        self.slidingWindow = slidingWindow
        self.crossAttnAllLayers = crossAttnAllLayers
        self.crossAttnK = crossAttnK
        self.hiddenSizeGlobal = hiddenSizeGlobal
        self.vocabSize = vocabSize
    }
}
