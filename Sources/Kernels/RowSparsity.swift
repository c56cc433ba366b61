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
    /// Allocates only the result array; `scratch` may be passed to avoid even the per-call moments buffer.
    public static func measure(_ x: UnsafePointer<Float>, rows: Int, columns: Int, nearZero: Float = 1e-3) -> [RowSparsity] {
        if rows == 0 || columns == 0 { return [] }
        var moments = [Float](repeating: 0, count: 4 * rows)
        moments.withUnsafeMutableBufferPointer { bl_row_moments(x, rows, columns, nearZero, $0.baseAddress!) }
        let root = Float(columns).squareRoot()
        return (0..<rows).map { r in
            let l1 = moments[4 * r], l2Squared = moments[4 * r + 1], peak = moments[4 * r + 2]
            let l2 = l2Squared.squareRoot()
            let hoyer: Float = (columns == 1 || l2 == 0) ? 0 : (root - l1 / l2) / (root - 1)
            return RowSparsity(hoyer: hoyer, top1Energy: l2Squared == 0 ? 0 : peak * peak / l2Squared,
                               nearZeroFraction: moments[4 * r + 3] / Float(columns), l2Norm: l2)
        }
    }
}
