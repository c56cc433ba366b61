import CKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Interleaved ("GPT-J", "traditional") rotary position embedding as in `BltRotaryEmbedding`:
/// frequency `i` rotates the adjacent pair `(x[2i], x[2i+1])` by `pos · θ^(−2i/d)`.
/// `inv_freq` and the angles are computed in Float as transformers does, then cos/sin in Float.
public struct RotaryEmbedding: Sendable {
    public let headDim: Int
    public let positions: Int
    /// `[positions, headDim/2]` cosines and sines.
    public let cos: [Float]
    public let sin: [Float]

    /// Tables for positions `0..<positions`. `headDim` must be even (odd widths leave the last channel
    /// unrotated, matching no real checkpoint; we reject them upstream).
    public init(theta: Double, headDim: Int, positions: Int) {
        self.headDim = headDim
        self.positions = positions
        let half = headDim / 2
        var invFreq = [Float](repeating: 0, count: half)
        for i in 0..<half {
            // torch: 1.0 / (base ** (arange(0, dim, 2, dtype=float) / dim)) in float32.
            let exponent = Float(2 * i) / Float(headDim)
            invFreq[i] = 1 / Float(powf(Float(theta), exponent))
        }
        var c = [Float](repeating: 0, count: positions * half)
        var s = [Float](repeating: 0, count: positions * half)
        for p in 0..<positions {
            for i in 0..<half {
                let angle = Float(p) * invFreq[i]
                c[p * half + i] = cosf(angle)
                s[p * half + i] = sinf(angle)
            }
        }
        cos = c
        sin = s
    }

    /// Tables for sequences packed one after another along the row axis: row `r` of segment `s` gets
    /// position `r − start(s)`, so each packed sequence is rotated exactly as if it ran alone (the values
    /// are copied from the single-sequence table, bit for bit).
    public init(theta: Double, headDim: Int, segments: [Int]) {
        let single = RotaryEmbedding(theta: theta, headDim: headDim, positions: segments.max() ?? 0)
        let half = headDim / 2
        var c: [Float] = [], s: [Float] = []
        c.reserveCapacity(segments.reduce(0, +) * half)
        s.reserveCapacity(segments.reduce(0, +) * half)
        for length in segments {
            c += single.cos[0..<(length * half)]
            s += single.sin[0..<(length * half)]
        }
        self.headDim = headDim
        self.positions = segments.reduce(0, +)
        self.cos = c
        self.sin = s
    }


    /// Rotates `heads` heads of each row in place. `x` is `[rows, rowStride]`, head `h` of row `r`
    /// starts at `x + r*rowStride + h*headDim`; row `r` uses position `r`. Requires `rows <= positions`.
    public func apply(_ x: UnsafeMutablePointer<Float>, rows: Int, heads: Int, rowStride: Int) {
        precondition(rows <= positions, "rotary table too short")
        cos.withUnsafeBufferPointer { cp in
            sin.withUnsafeBufferPointer { sp in
                // x*cos + rotate(x)*sin with rotate(a, b) = (-b, a), as torch evaluates it (C loop with
                // AVX-512/AVX2 clones).
                bl_rope(x, rows, heads, rowStride, headDim, cp.baseAddress!, sp.baseAddress!)
            }
        }
    }
}
