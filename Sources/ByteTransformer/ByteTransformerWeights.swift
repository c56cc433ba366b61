import ModelCore

/// Weights of a causal byte-level transformer (Llama-style: embedding, pre-norm blocks, final RMSNorm,
/// LM head), stored under one prefix: `<prefix>.embed_tokens`, `<prefix>.layers.<l>.*`, `<prefix>.norm`,
/// `<prefix>.lm_head` — the layout of a BLT's entropy model (`model.patcher`).
package struct ByteTransformerWeights: Sendable {
    package let embed: EmbeddingTable
    package let layers: [TransformerLayerWeights]
    package let norm: [Float]
    package let lmHead: LinearWeight

    /// Every tensor under `prefix` with the shape transformers stores, in a stable order.
    package static func tensorSpecs(prefix: String, _ s: TransformerStackConfig) -> [TensorSpec] {
        var specs = [TensorSpec(name: "\(prefix).embed_tokens.weight", shape: [s.vocabSize, s.hiddenSize])]
        for l in 0..<s.numHiddenLayers { specs += TransformerLayerWeights.tensorSpecs(prefix: "\(prefix).layers.\(l)", s) }
        specs.append(TensorSpec(name: "\(prefix).norm.weight", shape: [s.hiddenSize]))
        specs.append(TensorSpec(name: "\(prefix).lm_head.weight", shape: [s.vocabSize, s.hiddenSize]))
        return specs
    }

    /// The weights under `prefix` from already validated tensors (see `CheckpointFiles.validate`).
    package init(prefix: String, stack s: TransformerStackConfig, tensors t: [String: TensorSlice], precision: MatrixPrecision) {
        let table = t["\(prefix).embed_tokens.weight"]!
        embed = EmbeddingTable(rows: table.shape[0], columns: table.shape[1], slice: table)
        layers = (0..<s.numHiddenLayers).map {
            TransformerLayerWeights(prefix: "\(prefix).layers.\($0)", tensors: t, precision: precision)
        }
        norm = t["\(prefix).norm.weight"]!.floats()
        lmHead = LinearWeight(t["\(prefix).lm_head.weight"]!, precision: precision)
    }
}
