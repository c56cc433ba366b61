import CKernels

/// bfloat16 conversions (the upper 16 bits of an IEEE float32).
public enum BFloat16 {
    /// Rounds `count` floats to bfloat16 bit patterns, round to nearest, ties to even (as torch's
    /// `.to(torch.bfloat16)`). NaN stays a quiet NaN; values beyond the bf16 range round to ±infinity;
    /// subnormals round like normals (no flush to zero). Vectorised in C (`bl_round_bf16`).
    public static func round(_ x: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<UInt16>) {
        if count > 0 { bl_round_bf16(x, count, out) }
    }

    /// `round` split into chunks on the compute threads (`ComputeThreads.forCallingThread`) when
    /// `count` is large enough to pay for a parallel region: a bf16 product rounds its whole input
    /// before the matrix product, and done serially that left the second core idle (~3 % of a packed
    /// blt-1b-shape forward). Same bits as `round`.
    static func roundInParallel(_ x: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<UInt16>) {
        let minimumPerChunk = 1 << 15
        let chunks = min(4 * ComputeThreads.forCallingThread, count / minimumPerChunk)
        guard chunks > 1 else { return round(x, count: count, into: out) }
        let shared = SendableRounding(x: x, out: out)
        Parallel.dynamic(chunks: chunks, workers: ComputeThreads.forCallingThread) { chunk in
            let (start, end) = GEMMThreading.chunkBounds(chunk, of: chunks, extent: count, alignment: 16)
            if end > start { bl_round_bf16(shared.x + start, end - start, shared.out + start) }
        }
    }

    /// Widens bfloat16 bit patterns to Float (exact).
    public static func widen(_ x: UnsafePointer<UInt16>, count: Int, into out: UnsafeMutablePointer<Float>) {
        for i in 0..<count { out[i] = Float(bitPattern: UInt32(x[i]) << 16) }
    }
}

private struct SendableRounding: @unchecked Sendable {
    let x: UnsafePointer<Float>
    let out: UnsafeMutablePointer<UInt16>
}
