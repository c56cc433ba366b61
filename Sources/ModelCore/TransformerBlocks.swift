import Kernels

/// The computations every Llama-style stack shares, with their hook points: dense products in the
/// model's matrix precision, self-attention with RoPE, a pre-norm block, and BLT's cross-attention.
/// A model holds one value and calls it from its forward pass.
package struct TransformerBlocks: Sendable {
    /// `LoadOptions.releasesMappedWeightsAfterUse`: drop a block's mapped weight pages once it has run.
    package let releasesMappedWeights: Bool

    package init(releasesMappedWeights: Bool) { self.releasesMappedWeights = releasesMappedWeights }

    /// `x · Wᵀ` for a `[rows, in]` input.
    package func linear(_ x: [Float], rows: Int, _ w: LinearWeight) throws -> [Float] {
        let count = rows * w.outFeatures
        if count == 0 || w.inFeatures == 0 { return [Float](repeating: 0, count: count) }
        // Not zero-filled first: both products write every output element (tested with NaN-filled outputs).
        return try [Float](unsafeUninitializedCapacity: count) { op, initialized in
            try x.withUnsafeBufferPointer { xp in
                switch w.precision {
                case .fp32:
                    try Linear.apply(xp.baseAddress!, rows: rows, inFeatures: w.inFeatures,
                                     transposedWeight: w.transposedFloats, outFeatures: w.outFeatures, into: op.baseAddress!)
                case .bf16:
                    try Linear.applyBFloat16(xp.baseAddress!, rows: rows, inFeatures: w.inFeatures,
                                             weight: w.bfloat16, outFeatures: w.outFeatures, into: op.baseAddress!)
                }
            }
            initialized = count
        }
    }

    /// `x · Wᵢᵀ` for several weights sharing one `[rows, in]` input, packed one after another in one
    /// buffer (block `i` is `[rows, Wᵢ.outFeatures]` at offset `rows · Σ_{j<i} Wⱼ.outFeatures`). fp32
    /// products run in one parallel region (`Linear.applyConcurrently`), bf16 ones too (`Linear.applyBFloat16(_:rows:inFeatures:products:)`,
    /// which rounds the input once); a mix runs one after another.
    package func linearPacked(_ x: [Float], rows: Int, _ ws: [LinearWeight]) throws -> [Float] {
        let total = ws.reduce(0) { $0 + $1.outFeatures }
        let count = rows * total
        if count == 0 { return [] }
        // Not zero-filled first: every block is written by its product (or zeroed below when it has no inputs).
        return try [Float](unsafeUninitializedCapacity: count) { op, initialized in
            try x.withUnsafeBufferPointer { xp in
                if ws.allSatisfy({ $0.precision == .fp32 }) {
                    var products: [LinearProduct] = []
                    var offset = 0
                    for w in ws {
                        precondition(w.inFeatures * rows == x.count, "packed products share one input")
                        products.append(LinearProduct(x: xp.baseAddress!, rows: rows, inFeatures: w.inFeatures,
                                                      transposedWeight: w.transposedFloats, outFeatures: w.outFeatures,
                                                      out: op.baseAddress! + offset))
                        offset += rows * w.outFeatures
                    }
                    try Linear.applyConcurrently(products)
                } else if ws.allSatisfy({ $0.precision == .bf16 && $0.inFeatures * rows == x.count }) {
                    var products: [BFloat16Product] = []
                    var offset = 0
                    for w in ws {
                        products.append(BFloat16Product(weight: w.bfloat16, outFeatures: w.outFeatures, out: op.baseAddress! + offset))
                        offset += rows * w.outFeatures
                    }
                    try Linear.applyBFloat16(xp.baseAddress!, rows: rows, inFeatures: ws[0].inFeatures, products: products)
                } else {
                    var offset = 0
                    for w in ws {
                        if w.inFeatures == 0 {
                            (op.baseAddress! + offset).initialize(repeating: 0, count: rows * w.outFeatures)
                        } else {
                            switch w.precision {
                            case .fp32:
                                try Linear.apply(xp.baseAddress!, rows: rows, inFeatures: w.inFeatures,
                                                 transposedWeight: w.transposedFloats, outFeatures: w.outFeatures,
                                                 into: op.baseAddress! + offset)
                            case .bf16:
                                try Linear.applyBFloat16(xp.baseAddress!, rows: rows, inFeatures: w.inFeatures,
                                                         weight: w.bfloat16, outFeatures: w.outFeatures,
                                                         into: op.baseAddress! + offset)
                            }
                        }
                        offset += rows * w.outFeatures
                    }
                }
            }
            initialized = count
        }
    }

    /// Self-attention without the residual: `o_proj(Attn(RoPE(q), RoPE(k), v))` over `normed`. The
    /// attention hooks of `module` fire only when one of them is requested.
    package func selfAttention(_ normed: [Float], rows: Int, layer: TransformerLayerWeights, stack s: TransformerStackConfig,
                       rope: RotaryEmbedding, ranges: KeyRanges, module: HookModule, runner: HookRunner) throws -> [Float] {
        let hd = s.headDim
        let qCount = rows * s.numAttentionHeads * hd, kCount = rows * s.numKeyValueHeads * hd
        let hooked = runner.hasAttentionHooks && runner.activeAttentionModules.contains(module)
        var qkv = try linearPacked(normed, rows: rows, [layer.q, layer.k, layer.v])
        var attended = [Float](repeating: 0, count: rows * s.numAttentionHeads * hd)
        try qkv.withUnsafeMutableBufferPointer { buffer in
            let q = buffer.baseAddress!, k = q + qCount, v = k + kCount
            if hooked {
                try runner.fire(module.hook(.q), UnsafeMutableBufferPointer(start: q, count: qCount), rows: rows, columns: qCount / max(rows, 1))
                try runner.fire(module.hook(.k), UnsafeMutableBufferPointer(start: k, count: kCount), rows: rows, columns: kCount / max(rows, 1))
                try runner.fire(module.hook(.v), UnsafeMutableBufferPointer(start: v, count: kCount), rows: rows, columns: kCount / max(rows, 1))
            }
            rope.apply(q, rows: rows, heads: s.numAttentionHeads, rowStride: s.numAttentionHeads * hd)
            rope.apply(k, rows: rows, heads: s.numKeyValueHeads, rowStride: s.numKeyValueHeads * hd)
            if hooked {
                try runner.fire(module.hook(.rotQ), UnsafeMutableBufferPointer(start: q, count: qCount), rows: rows, columns: qCount / max(rows, 1))
                try runner.fire(module.hook(.rotK), UnsafeMutableBufferPointer(start: k, count: kCount), rows: rows, columns: kCount / max(rows, 1))
            }
            try attended.withUnsafeMutableBufferPointer { op in
                try attend(query: q, key: k, value: v, queryRows: rows, keyRows: rows, stack: s, ranges: ranges,
                           module: hooked ? module : nil, runner: runner, into: op)
            }
        }
        return try linear(attended, rows: rows, layer.o)
    }

    /// Attention of pre-projected (and rotated) q, k, v into `out` (`[queryRows, H·hd]`), firing
    /// the module's `hook_attn_scores`, `hook_pattern` and `hook_z` when `module` is given. Scores and
    /// patterns are materialised only when one of them is requested; otherwise the fused kernel runs.
    package func attend(query q: UnsafePointer<Float>, key k: UnsafePointer<Float>, value v: UnsafePointer<Float>,
                queryRows: Int, keyRows: Int, stack s: TransformerStackConfig, ranges: KeyRanges, module: HookModule?,
                runner: HookRunner, into out: UnsafeMutableBufferPointer<Float>) throws {
        let heads = s.numAttentionHeads, kvHeads = s.numKeyValueHeads, hd = s.headDim
        guard let module else {
            Attention.apply(query: q, key: k, value: v, queryRows: queryRows, keyRows: keyRows, heads: heads,
                            kvHeads: kvHeads, headDim: hd, ranges: ranges, into: out.baseAddress!)
            return
        }
        let scoresName = module.hook(.attnScores), patternName = module.hook(.pattern)
        if runner.isActive(scoresName) || runner.isActive(patternName) {
            var scores = Attention.scores(query: q, key: k, queryRows: queryRows, keyRows: keyRows, heads: heads,
                                          kvHeads: kvHeads, headDim: hd, ranges: ranges)
            try runner.fire(scoresName, &scores, rows: heads * queryRows, columns: keyRows)
            var pattern = Attention.pattern(scores: scores, keyRows: keyRows)
            try runner.fire(patternName, &pattern, rows: heads * queryRows, columns: keyRows)
            Attention.apply(pattern: pattern, value: v, queryRows: queryRows, keyRows: keyRows, heads: heads,
                            kvHeads: kvHeads, headDim: hd, into: out.baseAddress!)
        } else {
            Attention.apply(query: q, key: k, value: v, queryRows: queryRows, keyRows: keyRows, heads: heads,
                            kvHeads: kvHeads, headDim: hd, ranges: ranges, into: out.baseAddress!)
        }
        try runner.fire(module.hook(.z), out, rows: queryRows, columns: heads * hd)
    }

    /// One `BltTransformerLayer` in place on `x` (`[rows, D]`), firing the five block hooks.
    package func transformerLayer(_ x: inout [Float], rows: Int, layer: TransformerLayerWeights, stack s: TransformerStackConfig,
                          rope: RotaryEmbedding, ranges: KeyRanges, component: HookComponent, index l: Int,
                          runner: HookRunner) throws {
        let d = s.hiddenSize
        func hook(_ site: HookSite) -> HookName { HookName(valid: component, .block(l), site) }
        try runner.fire(hook(.residPre), &x, rows: rows, columns: d)
        let normed = RMSNorm.apply(x, columns: d, weight: layer.inputNorm, eps: s.rmsNormEps)
        var attnOut = try selfAttention(normed, rows: rows, layer: layer, stack: s, rope: rope, ranges: ranges,
                                        module: HookModule(component: component, scope: .attention(block: l)), runner: runner)
        try runner.fire(hook(.attnOut), &attnOut, rows: rows, columns: d)
        for i in 0..<x.count { x[i] += attnOut[i] }
        try runner.fire(hook(.residMid), &x, rows: rows, columns: d)
        let normed2 = RMSNorm.apply(x, columns: d, weight: layer.postNorm, eps: s.rmsNormEps)
        let inner = s.intermediateSize
        let gateUp = try linearPacked(normed2, rows: rows, [layer.gate, layer.up])
        var gate = [Float](unsafeUninitializedCapacity: rows * inner) { g, initialized in
            gateUp.withUnsafeBufferPointer { gu in
                SwiGLU.apply(gate: gu.baseAddress!, up: gu.baseAddress! + rows * inner, count: rows * inner, into: g.baseAddress!)
            }
            initialized = rows * inner
        }
        try runner.fire(hook(.mlpAct), &gate, rows: rows, columns: s.intermediateSize)
        var mlpOut = try linear(gate, rows: rows, layer.down)
        try runner.fire(hook(.mlpOut), &mlpOut, rows: rows, columns: d)
        for i in 0..<x.count { x[i] += mlpOut[i] }
        if releasesMappedWeights { layer.releaseMappedPages() }
        try runner.fire(hook(.residPost), &x, rows: rows, columns: d)
    }

    /// `BltCrossAttention`: `o_proj(Attn(q_proj(q_norm(query)), k/v_proj(k_norm(keyValue)))) + query`
    /// (no RoPE). Returns `[queryRows, D]`. `module` (`encoder.cross.0`) owns its attention hooks.
    package func crossAttention(query: [Float], queryRows: Int, keyValue: [Float], keyRows: Int,
                        weights w: CrossAttentionWeights, stack s: TransformerStackConfig, ranges: KeyRanges,
                        module: HookModule, runner: HookRunner) throws -> [Float] {
        let d = s.hiddenSize, hd = s.headDim
        let hooked = runner.hasAttentionHooks && runner.activeAttentionModules.contains(module)
        let qn = RMSNorm.apply(query, columns: d, weight: w.queryNorm, eps: s.rmsNormEps)
        let kvn = RMSNorm.apply(keyValue, columns: d, weight: w.keyNorm, eps: s.rmsNormEps)
        var q = try linear(qn, rows: queryRows, w.q)
        var kv = try linearPacked(kvn, rows: keyRows, [w.k, w.v])
        let kCount = keyRows * s.numKeyValueHeads * hd
        if hooked {
            try runner.fire(module.hook(.q), &q, rows: queryRows, columns: s.numAttentionHeads * hd)
            try kv.withUnsafeMutableBufferPointer { buffer in
                let columns = s.numKeyValueHeads * hd
                try runner.fire(module.hook(.k), UnsafeMutableBufferPointer(rebasing: buffer[0..<kCount]), rows: keyRows, columns: columns)
                try runner.fire(module.hook(.v), UnsafeMutableBufferPointer(rebasing: buffer[kCount...]), rows: keyRows, columns: columns)
            }
        }
        var attended = [Float](repeating: 0, count: queryRows * s.numAttentionHeads * hd)
        try q.withUnsafeBufferPointer { qp in
            try kv.withUnsafeBufferPointer { kvp in
                try attended.withUnsafeMutableBufferPointer { op in
                    try attend(query: qp.baseAddress!, key: kvp.baseAddress!, value: kvp.baseAddress! + kCount,
                               queryRows: queryRows, keyRows: keyRows, stack: s, ranges: ranges,
                               module: hooked ? module : nil, runner: runner, into: op)
                }
            }
        }
        var out = try linear(attended, rows: queryRows, w.o)
        if releasesMappedWeights { w.releaseMappedPages() }
        for i in 0..<out.count { out[i] += query[i] }
        return out
    }
}
