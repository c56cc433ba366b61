import CDNNL
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The explicit attention path, used only when a caller asks for attention scores or patterns
/// (`hook_attn_scores`, `hook_pattern`): it materialises `[heads·queryRows, keyRows]` matrices that the
/// fused `Attention.apply` never builds. Split into three steps so that a hook can read or replace the
/// scores and the pattern between them, and the replacement flows into the output.
///
/// Conventions (TransformerLens' `hook_attn_scores` / `hook_pattern`, transformers' eager attention):
/// rows are head-major (row `h·queryRows + i` is head `h`, query `i`); scores are `q·k / sqrt(headDim)`
/// with masked keys set to `-inf`; the pattern is the row softmax, so masked keys get weight exactly 0;
/// a row with no visible key (a zero-length patch) gets uniform weights over all keys, as transformers'
/// `finfo.min` masking produces. The results equal `Attention.apply` up to float rounding.
extension Attention {
    /// Scaled, masked scores `[heads·queryRows, keyRows]`.
    public static func scores(
        query: UnsafePointer<Float>, key: UnsafePointer<Float>, queryRows: Int, keyRows: Int,
        heads: Int, kvHeads: Int, headDim: Int, ranges: KeyRanges
    ) -> [Float] {
        precondition(ranges.count == queryRows && kvHeads > 0 && heads % kvHeads == 0)
        var out = [Float](repeating: -.infinity, count: heads * queryRows * keyRows)
        if out.isEmpty { return out }
        let scale = 1 / Float(headDim).squareRoot()
        let qStride = heads * headDim, kvStride = kvHeads * headDim, groups = heads / kvHeads
        out.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            GEMMThreading.serialOnThisThread()
            for h in 0..<heads {
                let block = base + h * queryRows * keyRows
                _ = dnnl_sgemm(CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "T")),
                               dnnl_dim_t(queryRows), dnnl_dim_t(keyRows), dnnl_dim_t(headDim), scale,
                               query + h * headDim, dnnl_dim_t(qStride),
                               key + (h / groups) * headDim, dnnl_dim_t(kvStride),
                               0, block, dnnl_dim_t(keyRows))
                for i in 0..<queryRows {
                    let row = block + i * keyRows
                    let lo = max(0, ranges.lower[i]), hi = min(keyRows, ranges.upper[i])
                    for j in 0..<keyRows where j < lo || j >= hi { row[j] = -.infinity }
                }
            }
        }
        return out
    }

    /// Row softmax of `scores` (`rows × keyRows`): `-inf` entries get 0; a row that is entirely `-inf`
    /// becomes uniform. A NaN score makes its row NaN.
    public static func pattern(scores: [Float], keyRows: Int) -> [Float] {
        guard keyRows > 0 else { return scores }
        var out = scores
        for r in 0..<(scores.count / keyRows) {
            let base = r * keyRows
            var m = -Float.infinity
            for j in 0..<keyRows { m = max(m, out[base + j]); if out[base + j].isNaN { m = .nan; break } }
            if m == -.infinity {
                for j in 0..<keyRows { out[base + j] = 1 / Float(keyRows) }
                continue
            }
            var total: Float = 0
            for j in 0..<keyRows {
                let e = out[base + j] == -.infinity ? 0 : (out[base + j] - m).exponential
                out[base + j] = e
                total += e
            }
            for j in 0..<keyRows { out[base + j] /= total }
        }
        return out
    }

    /// `z = pattern · V` per head into `out` (`[queryRows, heads·headDim]`, heads concatenated).
    public static func apply(
        pattern: [Float], value: UnsafePointer<Float>, queryRows: Int, keyRows: Int,
        heads: Int, kvHeads: Int, headDim: Int, into out: UnsafeMutablePointer<Float>
    ) {
        precondition(pattern.count == heads * queryRows * keyRows && kvHeads > 0 && heads % kvHeads == 0)
        let qStride = heads * headDim, kvStride = kvHeads * headDim, groups = heads / kvHeads
        if queryRows == 0 { return }
        if keyRows == 0 {
            for i in 0..<queryRows { (out + i * qStride).update(repeating: 0, count: qStride) }
            return
        }
        GEMMThreading.serialOnThisThread()
        pattern.withUnsafeBufferPointer { p in
            for h in 0..<heads {
                _ = dnnl_sgemm(CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "N")),
                               dnnl_dim_t(queryRows), dnnl_dim_t(headDim), dnnl_dim_t(keyRows), 1,
                               p.baseAddress! + h * queryRows * keyRows, dnnl_dim_t(keyRows),
                               value + (h / groups) * headDim, dnnl_dim_t(kvStride),
                               0, out + h * headDim, dnnl_dim_t(qStride))
            }
        }
    }
}

extension Float {
    /// `exp` without Foundation (Kernels imports only the C libraries).
    fileprivate var exponential: Float {
        #if canImport(Glibc)
        return Glibc.expf(self)
        #else
        return Darwin.expf(self)
        #endif
    }
}
