import Kernels

extension BLTModel {
    /// `x · Wᵀ` for a `[rows, in]` input.
    func linear(_ x: [Float], rows: Int, _ w: LinearWeight) throws -> [Float] {
        var out = [Float](repeating: 0, count: rows * w.outFeatures)
        if out.isEmpty || w.inFeatures == 0 { return out }
        try x.withUnsafeBufferPointer { xp in
            try out.withUnsafeMutableBufferPointer { op in
                switch w.precision {
                case .fp32:
                    try Linear.apply(xp.baseAddress!, rows: rows, inFeatures: w.inFeatures,
                                     transposedWeight: w.transposedFloats, outFeatures: w.outFeatures, into: op.baseAddress!)
                case .bf16:
                    try Linear.applyBFloat16(xp.baseAddress!, rows: rows, inFeatures: w.inFeatures,
                                             weight: w.bfloat16, outFeatures: w.outFeatures, into: op.baseAddress!)
                }
            }
        }
        return out
    }

    /// Self-attention without the residual: `o_proj(Attn(RoPE(q), RoPE(k), v))` over `normed`.
    func selfAttention(_ normed: [Float], rows: Int, layer: TransformerLayerWeights, stack s: BLTStackConfig,
                       rope: RotaryEmbedding, ranges: KeyRanges) throws -> [Float] {
        let hd = s.headDim
        var q = try linear(normed, rows: rows, layer.q)
        var k = try linear(normed, rows: rows, layer.k)
        let v = try linear(normed, rows: rows, layer.v)
        q.withUnsafeMutableBufferPointer { rope.apply($0.baseAddress!, rows: rows, heads: s.numAttentionHeads, rowStride: s.numAttentionHeads * hd) }
        k.withUnsafeMutableBufferPointer { rope.apply($0.baseAddress!, rows: rows, heads: s.numKeyValueHeads, rowStride: s.numKeyValueHeads * hd) }
        var attended = [Float](repeating: 0, count: rows * s.numAttentionHeads * hd)
        q.withUnsafeBufferPointer { qp in
            k.withUnsafeBufferPointer { kp in
                v.withUnsafeBufferPointer { vp in
                    attended.withUnsafeMutableBufferPointer { op in
                        Attention.apply(query: qp.baseAddress!, key: kp.baseAddress!, value: vp.baseAddress!,
                                        queryRows: rows, keyRows: rows, heads: s.numAttentionHeads,
                                        kvHeads: s.numKeyValueHeads, headDim: hd, ranges: ranges, into: op.baseAddress!)
                    }
                }
            }
        }
        return try linear(attended, rows: rows, layer.o)
    }

    /// One `BltTransformerLayer` in place on `x` (`[rows, D]`), firing the five block hooks.
    func transformerLayer(_ x: inout [Float], rows: Int, layer: TransformerLayerWeights, stack s: BLTStackConfig,
                          rope: RotaryEmbedding, ranges: KeyRanges, prefix: String, runner: HookRunner) throws {
        let d = s.hiddenSize
        let normed = RMSNorm.apply(x, columns: d, weight: layer.inputNorm, eps: s.rmsNormEps)
        var attnOut = try selfAttention(normed, rows: rows, layer: layer, stack: s, rope: rope, ranges: ranges)
        try runner.fire("\(prefix).hook_attn_out", &attnOut, rows: rows, columns: d)
        for i in 0..<x.count { x[i] += attnOut[i] }
        try runner.fire("\(prefix).hook_resid_mid", &x, rows: rows, columns: d)
        let normed2 = RMSNorm.apply(x, columns: d, weight: layer.postNorm, eps: s.rmsNormEps)
        var gate = try linear(normed2, rows: rows, layer.gate)
        let up = try linear(normed2, rows: rows, layer.up)
        gate.withUnsafeMutableBufferPointer { g in
            up.withUnsafeBufferPointer { u in
                SwiGLU.apply(gate: g.baseAddress!, up: u.baseAddress!, count: g.count, into: g.baseAddress!)
            }
        }
        try runner.fire("\(prefix).hook_mlp_act", &gate, rows: rows, columns: s.intermediateSize)
        var mlpOut = try linear(gate, rows: rows, layer.down)
        try runner.fire("\(prefix).hook_mlp_out", &mlpOut, rows: rows, columns: d)
        for i in 0..<x.count { x[i] += mlpOut[i] }
        try runner.fire("\(prefix).hook_resid_post", &x, rows: rows, columns: d)
    }

    /// `BltCrossAttention`: `o_proj(Attn(q_proj(q_norm(query)), k/v_proj(k_norm(keyValue)))) + query`
    /// (no RoPE). Returns `[queryRows, D]`.
    func crossAttention(query: [Float], queryRows: Int, keyValue: [Float], keyRows: Int,
                        weights w: CrossAttentionWeights, stack s: BLTStackConfig, ranges: KeyRanges) throws -> [Float] {
        let d = s.hiddenSize, hd = s.headDim
        let qn = RMSNorm.apply(query, columns: d, weight: w.queryNorm, eps: s.rmsNormEps)
        let kvn = RMSNorm.apply(keyValue, columns: d, weight: w.keyNorm, eps: s.rmsNormEps)
        let q = try linear(qn, rows: queryRows, w.q)
        let k = try linear(kvn, rows: keyRows, w.k)
        let v = try linear(kvn, rows: keyRows, w.v)
        var attended = [Float](repeating: 0, count: queryRows * s.numAttentionHeads * hd)
        q.withUnsafeBufferPointer { qp in
            k.withUnsafeBufferPointer { kp in
                v.withUnsafeBufferPointer { vp in
                    attended.withUnsafeMutableBufferPointer { op in
                        Attention.apply(query: qp.baseAddress!, key: kp.baseAddress!, value: vp.baseAddress!,
                                        queryRows: queryRows, keyRows: keyRows, heads: s.numAttentionHeads,
                                        kvHeads: s.numKeyValueHeads, headDim: hd, ranges: ranges, into: op.baseAddress!)
                    }
                }
            }
        }
        var out = try linear(attended, rows: queryRows, w.o)
        for i in 0..<out.count { out[i] += query[i] }
        return out
    }
}
