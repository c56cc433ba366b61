import ByteTransformer
import ModelCore

/// Every parameter of `BltForCausalLM`, validated against the config.
struct BLTWeights: Sendable {
    let patcher: ByteTransformerWeights?
    let encoderEmbed: EmbeddingTable
    let hashEmbed: EmbeddingTable?
    let encoderLayers: [TransformerLayerWeights]
    let encoderPatchProjection: LinearWeight
    let encoderCross: [CrossAttentionWeights]
    let globalTokenProjection: LinearWeight?
    let globalLayers: [TransformerLayerWeights]
    let decoderPatchProjection: LinearWeight
    let decoderCross: [CrossAttentionWeights]
    let decoderLayers: [TransformerLayerWeights]
    let decoderNorm: [Float]
    let lmHead: LinearWeight
}

extension BLTConfig {
    /// Every tensor `BltForCausalLM` stores for this config, with the shape transformers expects, in a
    /// stable order. Non-persistent buffers (`rotary_emb.inv_freq`) are not part of checkpoints.
    public var expectedTensors: [TensorSpec] {
        var specs: [TensorSpec] = []
        func layer(_ prefix: String, _ s: BLTStackConfig) {
            specs += TransformerLayerWeights.tensorSpecs(prefix: prefix, s)
        }
        func cross(_ prefix: String, _ s: BLTStackConfig) {
            let d = s.hiddenSize, hd = s.headDim
            specs.append(TensorSpec(name: "\(prefix).q_norm.weight", shape: [d]))
            specs.append(TensorSpec(name: "\(prefix).k_norm.weight", shape: [d]))
            specs.append(TensorSpec(name: "\(prefix).q_proj.weight", shape: [s.numAttentionHeads * hd, d]))
            specs.append(TensorSpec(name: "\(prefix).k_proj.weight", shape: [s.numKeyValueHeads * hd, d]))
            specs.append(TensorSpec(name: "\(prefix).v_proj.weight", shape: [s.numKeyValueHeads * hd, d]))
            specs.append(TensorSpec(name: "\(prefix).o_proj.weight", shape: [d, s.numAttentionHeads * hd]))
        }
        if patchInForward { specs += ByteTransformerWeights.tensorSpecs(prefix: "model.patcher", patcher) }
        specs.append(TensorSpec(name: "model.local_encoder.embed_tokens.weight", shape: [encoder.vocabSize, encoder.hiddenSize]))
        specs.append(TensorSpec(name: "model.encoder_hash_tok_embedding.weight",
                                shape: [hashTableCount * hashByteGroupVocab, encoder.hiddenSize]))
        for l in 0..<encoder.numHiddenLayers { layer("model.local_encoder.layers.\(l)", encoder) }
        specs.append(TensorSpec(name: "model.local_encoder.patch_embedding_projection.weight",
                                shape: [encoder.hiddenSize * crossAttnK, encoder.hiddenSize]))
        for j in 0..<encoderCrossLayers { cross("model.local_encoder.cross_attn_layers.\(j)", encoder) }
        if let inputSize = encoderCrossOutputSize {
            specs.append(TensorSpec(name: "model.global_transformer.token_embedding_projection.weight",
                                    shape: [global.hiddenSize, inputSize]))
        }
        for l in 0..<global.numHiddenLayers { layer("model.global_transformer.layers.\(l)", global) }
        specs.append(TensorSpec(name: "model.local_decoder.patch_embedding_projection.weight",
                                shape: [decoder.hiddenSize * crossAttnK, decoder.hiddenSizeGlobal]))
        for j in 0..<decoderCrossLayers { cross("model.local_decoder.cross_attn_layers.\(j)", decoder) }
        for l in 0..<decoder.numHiddenLayers { layer("model.local_decoder.layers.\(l)", decoder) }
        specs.append(TensorSpec(name: "model.local_decoder.norm.weight", shape: [decoder.hiddenSize]))
        specs.append(TensorSpec(name: "lm_head.weight", shape: [vocabSize, decoder.hiddenSize]))
        return specs
    }
}

extension BLTWeights {
    /// Validates presence, dtype and shape of every expected tensor (first problem in
    /// `expectedTensors` order is thrown), then prepares dense weights for `precision` (see
    /// `MatrixPrecision`) and keeps embedding tables mapped.
    init(config: BLTConfig, files: CheckpointFiles, precision: MatrixPrecision = .fp32) throws(CheckpointError) {
        try files.validate(config.expectedTensors)
        let t = files.tensors
        func dense(_ name: String) -> [Float] { t[name]!.floats() }
        func linear(_ name: String) -> LinearWeight {
            LinearWeight(t[name]!, precision: precision)
        }
        func table(_ name: String) -> EmbeddingTable {
            let s = t[name]!
            return EmbeddingTable(rows: s.shape[0], columns: s.shape[1], slice: s)
        }
        func layer(_ p: String) -> TransformerLayerWeights {
            TransformerLayerWeights(prefix: p, tensors: t, precision: precision)
        }
        func cross(_ p: String) -> CrossAttentionWeights {
            CrossAttentionWeights(
                queryNorm: dense("\(p).q_norm.weight"), keyNorm: dense("\(p).k_norm.weight"),
                q: linear("\(p).q_proj.weight"), k: linear("\(p).k_proj.weight"),
                v: linear("\(p).v_proj.weight"), o: linear("\(p).o_proj.weight"))
        }
        if config.patchInForward {
            patcher = ByteTransformerWeights(prefix: "model.patcher", stack: config.patcher, tensors: t, precision: precision)
        } else {
            patcher = nil
        }
        encoderEmbed = table("model.local_encoder.embed_tokens.weight")
        hashEmbed = config.hashTableCount > 0 ? table("model.encoder_hash_tok_embedding.weight") : nil
        encoderLayers = (0..<config.encoder.numHiddenLayers).map { layer("model.local_encoder.layers.\($0)") }
        encoderPatchProjection = linear("model.local_encoder.patch_embedding_projection.weight")
        encoderCross = (0..<config.encoderCrossLayers).map { cross("model.local_encoder.cross_attn_layers.\($0)") }
        globalTokenProjection = config.encoderCrossOutputSize == nil
            ? nil : linear("model.global_transformer.token_embedding_projection.weight")
        globalLayers = (0..<config.global.numHiddenLayers).map { layer("model.global_transformer.layers.\($0)") }
        decoderPatchProjection = linear("model.local_decoder.patch_embedding_projection.weight")
        decoderCross = (0..<config.decoderCrossLayers).map { cross("model.local_decoder.cross_attn_layers.\($0)") }
        decoderLayers = (0..<config.decoder.numHiddenLayers).map { layer("model.local_decoder.layers.\($0)") }
        decoderNorm = dense("model.local_decoder.norm.weight")
        lmHead = linear("lm_head.weight")
    }
}
