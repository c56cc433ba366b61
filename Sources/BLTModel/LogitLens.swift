import Kernels

/// Logit lens for a BLT: what the model would predict from an intermediate state.
///
/// A BLT has two residual streams that lead to the output, so there are two lenses:
/// - **decoder**: the byte-level stream of the local decoder is unembedded directly (final RMSNorm +
///   `lm_head`, TransformerLens' `ln_final` + `unembed`), for the state before every decoder block and
///   after the last; the last entry equals the model's logits exactly.
/// - **global**: the patch-level stream has another width and no unembedding of its own, so a global
///   layer's state is read out by the decoder itself: the forward pass is re-run with the global
///   transformer's output replaced by that layer's state (same patches), giving the logits the model
///   would produce had the global transformer stopped there. One extra forward per layer.
extension BLTModel {
    /// Final decoder RMSNorm and `lm_head` on a decoder-width residual `[rows, decoder.hiddenSize]`.
    /// - Throws: `HookError.shapeMismatch` for another width.
    public func unembed(_ residual: HookTensor) throws -> HookTensor {
        let d = config.decoder.hiddenSize
        guard residual.shape.count == 2, residual.columns == d else {
            throw HookError.shapeMismatch(name: "unembed", expected: [residual.rows, d], actual: residual.shape)
        }
        let normed = RMSNorm.apply(residual.values, columns: d, weight: weights.decoderNorm, eps: config.decoder.rmsNormEps)
        let logits = try blocks.linear(normed, rows: residual.rows, weights.lmHead)
        return HookTensor(validShape: [residual.rows, config.vocabSize], values: logits)
    }

    /// Decoder logit lens: `unembed` of the decoder's accumulated residual, one `[N, vocab]` tensor per
    /// entry (`L + 1` of them: before block 0, after each block). Runs one forward pass.
    public func decoderLogitLens(bytes: [UInt8], patching: PatchingStrategy = .configDefault) throws -> [HookTensor] {
        let (_, cache) = try runWithCache(bytes: bytes, names: ["decoder.blocks.*.hook_resid_*"], patching: patching)
        return try cache.accumulatedResidual(component: .decoder).map { try unembed($0) }
    }

    /// Global logit lens: `[N, vocab]` logits with the global transformer's output replaced by its input
    /// (entry 0) and by the state after each global block (entries 1…L; entry L is the normal forward).
    /// Patches are the ones the normal forward uses. Runs `L + 2` forward passes.
    public func globalLogitLens(bytes: [UInt8], patching: PatchingStrategy = .configDefault) throws -> [HookTensor] {
        let layers = config.global.numHiddenLayers
        guard layers > 0 else { return [] }
        let (clean, cache) = try runWithCache(bytes: bytes, names: ["global.blocks.*.hook_resid_pre", "global.blocks.*.hook_resid_post"],
                                              patching: patching)
        let states = try cache.accumulatedResidual(component: .global)
        let output = ActivationKind.residPost.name(layer: layers - 1, component: .global)
        return try states.map { state in
            var hooks = HookSet()
            hooks.intervene(output, .patch(state))
            let run = try forward(bytes: bytes, options: ForwardOptions(patching: .explicit(clean.patchLengths), hooks: hooks))
            guard let logits = run.logits else { throw HookError.noMatch(pattern: "hook_logits") }
            return logits
        }
    }
}
