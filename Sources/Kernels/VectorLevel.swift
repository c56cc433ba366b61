import CKernels

/// Which build of the element-wise C loops (RMSNorm, RoPE, SwiGLU, softmax, row sparsity) the loader
/// selected for this CPU: 3 = AVX-512, 2 = AVX2, 1 = baseline (SSE2 on x86-64, or the platform's own ISA
/// where no clones are built).
public enum VectorLevel {
    public static var current: Int { Int(bl_vector_level()) }
}
