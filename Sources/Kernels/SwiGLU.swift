#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The gated MLP activation `silu(gate) ⊙ up` with `silu(z) = z · sigmoid(z)`.
public enum SwiGLU {
    /// `out[i] = silu(gate[i]) * up[i]`; `out` may alias `gate` or `up`. Large negative gates give 0
    /// (expf overflow to +inf makes the sigmoid exactly 0), NaN propagates.
    public static func apply(gate: UnsafePointer<Float>, up: UnsafePointer<Float>, count: Int,
                             into out: UnsafeMutablePointer<Float>) {
        for i in 0..<count {
            let g = gate[i]
            out[i] = (g / (1 + expf(-g))) * up[i]
        }
    }
}
