/// An `nn.Embedding` table left in the memory-mapped file and gathered row by row (the hash table of
/// blt-1b is 3,000,012 x 1024; converting it wholesale would cost ~12 GB).
public struct EmbeddingTable: Sendable {
    public let rows: Int
    public let columns: Int
    package let slice: TensorSlice

    package init(rows: Int, columns: Int, slice: TensorSlice) {
        self.rows = rows
        self.columns = columns
        self.slice = slice
    }

    /// `out[0..<columns] += table[row]`. `row` must be in `0..<rows` (callers compute in-range rows).
    package func addRow(_ row: Int, into out: UnsafeMutablePointer<Float>) {
        slice.addFloats(from: row * columns, count: columns, into: out)
    }

    /// `out[0..<columns] = table[row]`.
    package func copyRow(_ row: Int, into out: UnsafeMutablePointer<Float>) {
        slice.readFloats(from: row * columns, count: columns, into: out)
    }
}

/// Weights of one pre-norm Llama block without biases (`BltTransformerLayer`, and the layers of any
/// Llama-style byte-level transformer).
package struct TransformerLayerWeights: Sendable {
    package let inputNorm: [Float]
    package let q: LinearWeight, k: LinearWeight, v: LinearWeight, o: LinearWeight
    package let postNorm: [Float]
    package let gate: LinearWeight, up: LinearWeight, down: LinearWeight

    /// The tensors of `<prefix>.input_layernorm`, `.self_attn.{q,k,v,o}_proj`, `.post_attention_layernorm`
    /// and `.mlp.{gate,up,down}_proj` (validated by the caller).
    package init(prefix p: String, tensors t: [String: TensorSlice], precision: MatrixPrecision) {
        func linear(_ name: String) -> LinearWeight { LinearWeight(t[name]!, precision: precision) }
        inputNorm = t["\(p).input_layernorm.weight"]!.floats()
        q = linear("\(p).self_attn.q_proj.weight"); k = linear("\(p).self_attn.k_proj.weight")
        v = linear("\(p).self_attn.v_proj.weight"); o = linear("\(p).self_attn.o_proj.weight")
        postNorm = t["\(p).post_attention_layernorm.weight"]!.floats()
        gate = linear("\(p).mlp.gate_proj.weight"); up = linear("\(p).mlp.up_proj.weight")
        down = linear("\(p).mlp.down_proj.weight")
    }

    /// The checkpoint tensors of one block at `prefix` with the shapes transformers stores.
    package static func tensorSpecs(prefix: String, _ s: TransformerStackConfig) -> [TensorSpec] {
        let d = s.hiddenSize, hd = s.headDim
        return [
            TensorSpec(name: "\(prefix).input_layernorm.weight", shape: [d]),
            TensorSpec(name: "\(prefix).self_attn.q_proj.weight", shape: [s.numAttentionHeads * hd, d]),
            TensorSpec(name: "\(prefix).self_attn.k_proj.weight", shape: [s.numKeyValueHeads * hd, d]),
            TensorSpec(name: "\(prefix).self_attn.v_proj.weight", shape: [s.numKeyValueHeads * hd, d]),
            TensorSpec(name: "\(prefix).self_attn.o_proj.weight", shape: [d, s.numAttentionHeads * hd]),
            TensorSpec(name: "\(prefix).post_attention_layernorm.weight", shape: [d]),
            TensorSpec(name: "\(prefix).mlp.gate_proj.weight", shape: [s.intermediateSize, d]),
            TensorSpec(name: "\(prefix).mlp.up_proj.weight", shape: [s.intermediateSize, d]),
            TensorSpec(name: "\(prefix).mlp.down_proj.weight", shape: [d, s.intermediateSize]),
        ]
    }

    package func releaseMappedPages() { [q, k, v, o, gate, up, down].forEach { $0.releaseMappedPages() } }
}

/// `BltCrossAttention` weights.
package struct CrossAttentionWeights: Sendable {
    package let queryNorm: [Float]
    package let keyNorm: [Float]
    package let q: LinearWeight, k: LinearWeight, v: LinearWeight, o: LinearWeight

    package init(queryNorm: [Float], keyNorm: [Float], q: LinearWeight, k: LinearWeight, v: LinearWeight, o: LinearWeight) {
        self.queryNorm = queryNorm; self.keyNorm = keyNorm
        self.q = q; self.k = k; self.v = v; self.o = o
    }

    package func releaseMappedPages() { [q, k, v, o].forEach { $0.releaseMappedPages() } }
}

/// Name and expected shape of one checkpoint tensor.
public struct TensorSpec: Sendable, Equatable {
    public let name: String
    public let shape: [Int]

    public init(name: String, shape: [Int]) {
        self.name = name
        self.shape = shape
    }
}


extension CheckpointFiles {
    /// Checks presence, dtype (F32/BF16/F16) and shape of every expected tensor; the first problem in
    /// `specs` order is thrown.
    public func validate(_ specs: [TensorSpec]) throws(CheckpointError) {
        for spec in specs {
            guard let slice = tensors[spec.name] else {
                throw .missingTensor(name: spec.name, expectedShape: spec.shape, directory: directory)
            }
            guard slice.dtype.isFloatWeight else {
                throw .unsupportedDType(path: slice.path, tensor: spec.name, dtype: slice.dtype.rawValue)
            }
            guard slice.shape == spec.shape else {
                throw .wrongShape(path: slice.path, tensor: spec.name, expected: spec.shape, actual: slice.shape)
            }
        }
    }
}
