import CKernels

/// bfloat16 conversions (the upper 16 bits of an IEEE float32).
public enum BFloat16 {
    /// Rounds `count` floats to bfloat16 bit patterns, round to nearest, ties to even (as torch's
    /// `.to(torch.bfloat16)`). NaN stays a quiet NaN; values beyond the bf16 range round to ±infinity;
    /// subnormals round like normals (no flush to zero). Vectorised in C (`bl_round_bf16`).
    public static func round(_ x: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<UInt16>) {
        if count > 0 { bl_round_bf16(x, count, out) }
    }

    /// `round` split over the calling thread's compute workers like the other element-wise kernels
    /// (`ElementwiseSplit`): a bf16 product rounds its whole input before the matrix product, and done
    /// serially that left the second core idle (~3 % of a packed blt-1b-shape forward). Same bits as `round`.
    static func roundInParallel(_ x: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<UInt16>) {
        let shared = SendableRounding(x: x, out: out)
        ElementwiseSplit.run(count: count) { start, end in
            bl_round_bf16(shared.x + start, end - start, shared.out + start)
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
