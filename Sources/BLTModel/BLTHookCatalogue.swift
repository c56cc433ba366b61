import ModelCore

extension HookPoint {
    /// Every hook point of `config`, in the order the forward pass reaches them. The forward pass fires
    /// exactly these names in this order (`HookNameTests` enumerates a forward's fired names).
    public static func catalogue(for config: BLTConfig) -> [HookPoint] {
        var b = HookCatalogueBuilder()
        func add(_ c: HookComponent, _ scope: HookScope, _ site: HookSite, _ rows: HookRows, _ cols: Int?, _ module: String,
                 keys: HookRows? = nil) {
            b.add(c, scope, site, rows, cols, module, keys: keys)
        }
        func attention(_ c: HookComponent, _ scope: HookScope, _ s: BLTStackConfig, queries: HookRows,
                       keys: HookRows, _ attn: String, rotary: Bool) {
            b.attention(c, scope, s, queries: queries, keys: keys, attn, rotary: rotary)
        }
        func blocks(_ c: HookComponent, _ l: Int, _ s: BLTStackConfig, _ rows: HookRows, _ module: String) {
            b.block(c, l, s, rows, module)
        }
        if config.patchInForward { b.entropyModel(config.patcher, module: "model.patcher") }
        add(.patching, .component, .patchLengths, .patches, nil, "patch_lengths (float32 copy)")
        let e = config.encoder, de = e.hiddenSize, k = config.crossAttnK
        add(.encoder, .component, .embed, .bytes, de, "compute_hash_embeddings (output) = model.local_encoder.layers.0 (input)")
        for l in 0..<e.numHiddenLayers {
            blocks(.encoder, l, e, .bytes, "model.local_encoder")
            if l == e.numHiddenLayers - 1 || e.crossAttnAllLayers {
                let j = e.crossAttnAllLayers ? l : 0
                add(.encoder, .cross(j), .pooled, .patches, de, "model.local_encoder.patch_embedding_projection (input)")
                add(.encoder, .cross(j), .queries, .patchSlots, de, "model.local_encoder.patch_embedding_projection (output, reshaped)")
                attention(.encoder, .cross(j), e, queries: .patchSlots, keys: .bytes,
                          "model.local_encoder.cross_attn_layers.\(j)", rotary: false)
                add(.encoder, .cross(j), .out, .patchSlots, de, "model.local_encoder.cross_attn_layers.\(j) (output)")
            }
        }
        add(.encoder, .component, .patchEmbed, .patches, k * de, "model.local_encoder (encoder_cross_states, viewed [P, k*De])")
        let g = config.global
        add(.global, .component, .embed, .patches, g.hiddenSize,
            config.encoderCrossOutputSize == nil ? "model.global_transformer.layers.0 (input; token_embedding_projection is Identity)"
                : "model.global_transformer.token_embedding_projection (output)")
        for l in 0..<g.numHiddenLayers { blocks(.global, l, g, .patches, "model.global_transformer") }
        let d = config.decoder
        add(.decoder, .component, .patchKV, .patchSlots, d.hiddenSize, "model.local_decoder.patch_embedding_projection (output, reshaped)")
        for l in 0..<d.numHiddenLayers {
            if l == 0 || d.crossAttnAllLayers {
                attention(.decoder, .cross(l), d, queries: .bytes, keys: .patchSlots,
                          "model.local_decoder.cross_attn_layers.\(l)", rotary: false)
                add(.decoder, .cross(l), .out, .bytes, d.hiddenSize, "model.local_decoder.cross_attn_layers.\(l) (output)")
            }
            blocks(.decoder, l, d, .bytes, "model.local_decoder")
        }
        add(.decoder, .component, .finalNorm, .bytes, d.hiddenSize, "model.local_decoder.norm (output)")
        add(.output, .component, .logits, .bytes, config.vocabSize, "lm_head (output, float32)")
        return b.points
    }
}
