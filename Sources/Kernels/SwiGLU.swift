import CKernels

/// The gated MLP activation `silu(gate) ⊙ up` with `silu(z) = z · sigmoid(z)`.
public enum SwiGLU {
    /// `out[i] = silu(gate[i]) * up[i]`; `out` may alias `gate` or `up`. Large negative gates give
    /// about 0 (|result| < 1e-36: the vectorised exp saturates at 3.4e38 instead of overflowing to +inf),
    /// NaN propagates. exp is a branch-free polynomial (≤ 2 ulp) so the loop runs in AVX-512/AVX2 lanes.
    /// Large inputs are split over the calling thread's compute workers (`ElementwiseSplit`; same bits).
    public static func apply(gate: UnsafePointer<Float>, up: UnsafePointer<Float>, count: Int,
                             into out: UnsafeMutablePointer<Float>) {
        let io = ElementwisePointers(a: gate, b: up, out: out)
        ElementwiseSplit.run(count: count) { start, end in
            bl_swiglu(io.a + start, io.b + start, end - start, io.out + start)
        }
    }
}
