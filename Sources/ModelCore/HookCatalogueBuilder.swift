/// Builds a hook catalogue in forward order from a model's structure: each model family lists its
/// components with these pieces, and its forward pass fires the same `HookName`s in the same order
/// (enforced by `HookNameTests`).
package struct HookCatalogueBuilder {
    package private(set) var points: [HookPoint] = []

    package init() {}

    package mutating func add(_ c: HookComponent, _ scope: HookScope, _ site: HookSite, _ rows: HookRows, _ cols: Int?,
                              _ module: String, keys: HookRows? = nil) {
        points.append(HookPoint(hook: HookName(valid: c, scope, site), rows: rows, columns: cols, keys: keys,
                                transformersModule: module))
    }

    /// q/k/v, scores, pattern and z of one attention module (`attn` is its transformers path).
    package mutating func attention(_ c: HookComponent, _ scope: HookScope, _ s: TransformerStackConfig, queries: HookRows,
                                    keys: HookRows, _ attn: String, rotary: Bool) {
        let hd = s.headDim, qc = s.numAttentionHeads * hd, kc = s.numKeyValueHeads * hd
        add(c, scope, .q, queries, qc, "\(attn).q_proj (output)")
        add(c, scope, .k, keys, kc, "\(attn).k_proj (output)")
        add(c, scope, .v, keys, kc, "\(attn).v_proj (output)")
        if rotary {
            add(c, scope, .rotQ, queries, qc, "\(attn) query after apply_rotary_pos_emb")
            add(c, scope, .rotK, keys, kc, "\(attn) key after apply_rotary_pos_emb")
        }
        add(c, scope, .attnScores, queries.perHead, nil,
            "\(attn): q·kᵀ·scaling per head, masked keys -inf (eager attention)", keys: keys)
        add(c, scope, .pattern, queries.perHead, nil, "\(attn) (output 1: eager attention weights)", keys: keys)
        add(c, scope, .z, queries, qc, "\(attn).o_proj (input)")
    }

    /// The hooks of transformer block `l` (`module` is the stack's transformers path).
    package mutating func block(_ c: HookComponent, _ l: Int, _ s: TransformerStackConfig, _ rows: HookRows, _ module: String) {
        let m = "\(module).layers.\(l)"
        add(c, .block(l), .residPre, rows, s.hiddenSize, "\(m) (input)")
        attention(c, .attention(block: l), s, queries: rows, keys: rows, "\(m).self_attn", rotary: true)
        add(c, .block(l), .attnOut, rows, s.hiddenSize, "\(m).self_attn (output)")
        add(c, .block(l), .residMid, rows, s.hiddenSize, "\(m).post_attention_layernorm (input)")
        add(c, .block(l), .mlpAct, rows, s.intermediateSize, "\(m).mlp.down_proj (input)")
        add(c, .block(l), .mlpOut, rows, s.hiddenSize, "\(m).mlp (output)")
        add(c, .block(l), .residPost, rows, s.hiddenSize, "\(m) (output)")
    }

    /// A causal byte-level transformer as a BLT's entropy model: `patcher.hook_embed`, its blocks,
    /// `patcher.hook_logits` and the predictive entropy `patching.hook_entropy` (`module`: e.g. `model.patcher`).
    package mutating func entropyModel(_ s: TransformerStackConfig, module: String) {
        add(.patcher, .component, .embed, .bytes, s.hiddenSize, "\(module).embed_tokens (output)")
        for l in 0..<s.numHiddenLayers { block(.patcher, l, s, .bytes, module) }
        add(.patcher, .component, .logits, .bytes, s.vocabSize, "\(module).lm_head (output)")
        add(.patching, .component, .entropy, .bytes, nil, "Categorical(logits=patcher logits).entropy() (nats)")
    }
}
