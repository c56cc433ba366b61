/// TransformerLens spellings of ByteLens hook names.
///
/// ByteLens names follow TransformerLens (`blocks.{l}.hook_resid_post`, `blocks.{l}.attn.hook_pattern`, …) with
/// a component prefix (`patcher.`, `encoder.`, `global.`, `decoder.`), because a BLT has four transformer
/// stacks. Where ByteLens kept a name of its own, the TransformerLens spelling is accepted as an alias in
/// every pattern (hook sets, `ActivationCache` subscripts, every `probe` command's hook options); results
/// are always keyed by the canonical name.
extension HookPoint {
    /// `(TransformerLens spelling, ByteLens name)`; each is a substring replacement applied to patterns.
    public static let aliases: [(transformerLens: String, canonical: String)] = [
        ("mlp.hook_post", "hook_mlp_act"),                      // SwiGLU output, input of down_proj
        ("ln_final.hook_normalized", "decoder.hook_final_norm"), // the decoder's final RMSNorm output
    ]

    /// `pattern` with every TransformerLens alias replaced by the ByteLens spelling.
    public static func canonicalPattern(_ pattern: String) -> String {
        // Fast path: hook patterns are matched against the catalogue on every forward call.
        guard pattern.contains("hook_post") || pattern.contains("ln_final") else { return pattern }
        var result = pattern
        for alias in aliases {
            result = result.replacing(alias.transformerLens, with: alias.canonical)
        }
        return result
    }
}
