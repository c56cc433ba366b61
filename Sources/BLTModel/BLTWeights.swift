/// An `nn.Embedding` table left in the memory-mapped file and gathered row by row (the hash table of
/// blt-1b is 3,000,012 x 1024; converting it wholesale would cost ~12 GB).
public struct EmbeddingTable: Sendable {
    public let rows: Int
    public let columns: Int
    let slice: TensorSlice

    /// `out[0..<columns] += table[row]`. `row` must be in `0..<rows` (callers compute in-range rows).
    func addRow(_ row: Int, into out: UnsafeMutablePointer<Float>) {
        slice.addFloats(from: row * columns, count: columns, into: out)
    }

    /// `out[0..<columns] = table[row]`.
    func copyRow(_ row: Int, into out: UnsafeMutablePointer<Float>) {
        slice.readFloats(from: row * columns, count: columns, into: out)
    }
}

/// `BltTransformerLayer` weights (pre-norm Llama block without biases).
struct TransformerLayerWeights: Sendable {
    let inputNorm: [Float]
    let q: LinearWeight, k: LinearWeight, v: LinearWeight, o: LinearWeight
    let postNorm: [Float]
    let gate: LinearWeight, up: LinearWeight, down: LinearWeight

    func releaseMappedPages() { [q, k, v, o, gate, up, down].forEach { $0.releaseMappedPages() } }
}

/// `BltCrossAttention` weights.
struct CrossAttentionWeights: Sendable {
    let queryNorm: [Float]
    let keyNorm: [Float]
    let q: LinearWeight, k: LinearWeight, v: LinearWeight, o: LinearWeight

    func releaseMappedPages() { [q, k, v, o].forEach { $0.releaseMappedPages() } }
}

struct PatcherWeights: Sendable {
    let embed: EmbeddingTable
    let layers: [TransformerLayerWeights]
    let norm: [Float]
    let lmHead: LinearWeight
}

/// Every parameter of `BltForCausalLM`, validated against the config.
struct BLTWeights: Sendable {
    let patcher: PatcherWeights?
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

/// Name and expected shape of one checkpoint tensor.
public struct TensorSpec: Sendable, Equatable {
    public let name: String
    public let shape: [Int]
}

extension BLTConfig {
    /// Every tensor `BltForCausalLM` stores for this config, with the shape transformers expects, in a
    /// stable order. Non-persistent buffers (`rotary_emb.inv_freq`) are not part of checkpoints.
    public var expectedTensors: [TensorSpec] {
        var specs: [TensorSpec] = []
        func layer(_ prefix: String, _ s: BLTStackConfig) {
            let d = s.hiddenSize, hd = s.headDim
            specs.append(TensorSpec(name: "\(prefix).input_layernorm.weight", shape: [d]))
            specs.append(TensorSpec(name: "\(prefix).self_attn.q_proj.weight", shape: [s.numAttentionHeads * hd, d]))
            specs.append(TensorSpec(name: "\(prefix).self_attn.k_proj.weight", shape: [s.numKeyValueHeads * hd, d]))
            specs.append(TensorSpec(name: "\(prefix).self_attn.v_proj.weight", shape: [s.numKeyValueHeads * hd, d]))
            specs.append(TensorSpec(name: "\(prefix).self_attn.o_proj.weight", shape: [d, s.numAttentionHeads * hd]))
            specs.append(TensorSpec(name: "\(prefix).post_attention_layernorm.weight", shape: [d]))
            specs.append(TensorSpec(name: "\(prefix).mlp.gate_proj.weight", shape: [s.intermediateSize, d]))
            specs.append(TensorSpec(name: "\(prefix).mlp.up_proj.weight", shape: [s.intermediateSize, d]))
            specs.append(TensorSpec(name: "\(prefix).mlp.down_proj.weight", shape: [d, s.intermediateSize]))
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
        if patchInForward {
            specs.append(TensorSpec(name: "model.patcher.embed_tokens.weight", shape: [patcher.vocabSize, patcher.hiddenSize]))
            for l in 0..<patcher.numHiddenLayers { layer("model.patcher.layers.\(l)", patcher) }
            specs.append(TensorSpec(name: "model.patcher.norm.weight", shape: [patcher.hiddenSize]))
            specs.append(TensorSpec(name: "model.patcher.lm_head.weight", shape: [patcher.vocabSize, patcher.hiddenSize]))
        }
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
        for spec in config.expectedTensors {
            guard let slice = files.tensors[spec.name] else {
                throw .missingTensor(name: spec.name, expectedShape: spec.shape, directory: files.directory)
            }
            guard slice.dtype.isFloatWeight else {
                throw .unsupportedDType(path: slice.path, tensor: spec.name, dtype: slice.dtype.rawValue)
            }
            guard slice.shape == spec.shape else {
                throw .wrongShape(path: slice.path, tensor: spec.name, expected: spec.shape, actual: slice.shape)
            }
        }
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
            TransformerLayerWeights(
                inputNorm: dense("\(p).input_layernorm.weight"),
                q: linear("\(p).self_attn.q_proj.weight"), k: linear("\(p).self_attn.k_proj.weight"),
                v: linear("\(p).self_attn.v_proj.weight"), o: linear("\(p).self_attn.o_proj.weight"),
                postNorm: dense("\(p).post_attention_layernorm.weight"),
                gate: linear("\(p).mlp.gate_proj.weight"), up: linear("\(p).mlp.up_proj.weight"),
                down: linear("\(p).mlp.down_proj.weight"))
        }
        func cross(_ p: String) -> CrossAttentionWeights {
            CrossAttentionWeights(
                queryNorm: dense("\(p).q_norm.weight"), keyNorm: dense("\(p).k_norm.weight"),
                q: linear("\(p).q_proj.weight"), k: linear("\(p).k_proj.weight"),
                v: linear("\(p).v_proj.weight"), o: linear("\(p).o_proj.weight"))
        }
        if config.patchInForward {
            patcher = PatcherWeights(
                embed: table("model.patcher.embed_tokens.weight"),
                layers: (0..<config.patcher.numHiddenLayers).map { layer("model.patcher.layers.\($0)") },
                norm: dense("model.patcher.norm.weight"),
                lmHead: linear("model.patcher.lm_head.weight"))
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
