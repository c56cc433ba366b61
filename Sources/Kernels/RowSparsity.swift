import CKernels

/// A few sparsity measures per row computed in one vectorised pass (for hooks that must not slow the
/// forward down): Hoyer sparsity, top-1 energy share, near-zero fraction and the L2 norm. For the full
/// set of measures (Gini, kurtosis, participation ratio, ...) in Double precision use the Metrics module.
public struct RowSparsity: Sendable, Equatable {
    /// Hoyer (2004): `(√d − ‖x‖₁/‖x‖₂) / (√d − 1)`, 0 for a constant-magnitude row, 1 for one non-zero.
    /// 0 for an all-zero row or d = 1.
    public var hoyer: Float
    /// `max xᵢ² / Σ xᵢ²` (0 for an all-zero row).
    public var top1Energy: Float
    /// Fraction of entries with `|x| ≤ nearZero`.
    public var nearZeroFraction: Float
    public var l2Norm: Float

    /// Measures each of `rows` rows of `columns` values. NaN in a row gives NaN measures for that row.
    public static func measure(_ x: UnsafePointer<Float>, rows: Int, columns: Int, nearZero: Float = 1e-3) -> [RowSparsity] {
        if rows == 0 || columns == 0 { return [] }
        var packed = [Float](repeating: 0, count: 4 * rows)
        packed.withUnsafeMutableBufferPointer { measure(x, rows: rows, columns: columns, nearZero: nearZero, into: $0.baseAddress!) }
        return (0..<rows).map { r in
            RowSparsity(hoyer: packed[4 * r], top1Energy: packed[4 * r + 1], nearZeroFraction: packed[4 * r + 2],
                        l2Norm: packed[4 * r + 3])
        }
    }

    /// Allocation-free form for hooks: writes `hoyer, top1Energy, nearZeroFraction, l2Norm` for each
    /// row to `out[4r ..< 4r+4]` (`out` holds ≥ 4·rows floats). No-op for zero rows or columns.
    public static func measure(_ x: UnsafePointer<Float>, rows: Int, columns: Int, nearZero: Float = 1e-3,
                               into out: UnsafeMutablePointer<Float>) {
        if rows == 0 || columns == 0 { return }
        bl_row_sparsity(x, rows, columns, nearZero, out)
    }
}
