import CKernels

/// RMSNorm as `BltRMSNorm`: `y = w ⊙ x / sqrt(mean(x²) + eps)` per row. Statistics are accumulated in
/// Float like transformers' fp32 path (inputs here are already fp32). No mean subtraction, no bias.
/// An all-zero row gives an all-zero output (1/sqrt(eps) times 0). `out` may alias `x`.
public enum RMSNorm {
    public static func apply(
        _ x: UnsafePointer<Float>, rows: Int, columns: Int, weight: UnsafePointer<Float>, eps: Float,
        into out: UnsafeMutablePointer<Float>
    ) {
        // C loop with AVX-512/AVX2 clones (the sum of squares is reassociated into SIMD lanes). Rows are
        // independent, so large inputs are split into row bands over the compute workers (same bits).
        guard columns > 0 else { return }
        let io = ElementwisePointers(a: x, b: weight, out: out)
        ElementwiseSplit.run(count: rows * columns, alignment: columns) { start, end in
            bl_rmsnorm(io.a + start, (end - start) / columns, columns, io.b, eps, io.out + start)
        }
    }

    /// Array convenience returning a new buffer.
    public static func apply(_ x: [Float], columns: Int, weight: [Float], eps: Float) -> [Float] {
        precondition(columns > 0 && x.count % columns == 0 && weight.count == columns)
        if x.isEmpty { return [] }
        // Not zero-filled first: the kernel writes every element (the memset was 3 % of a 2-thread forward).
        return [Float](unsafeUninitializedCapacity: x.count) { op, initialized in
            x.withUnsafeBufferPointer { xp in
                weight.withUnsafeBufferPointer { wp in
                    apply(xp.baseAddress!, rows: x.count / columns, columns: columns,
                          weight: wp.baseAddress!, eps: eps, into: op.baseAddress!)
                }
            }
            initialized = x.count
        }
    }
}
