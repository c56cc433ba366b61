import CKernels

/// Streaming sparsity computation for one hook point: consumes one vector (or one `[rows, cols]` hook buffer)
/// at a time with O(d) memory, returns the per-vector `SparsityRow`s and keeps running per-dimension moments.
///
/// Usage from a hook: `rows = try reducer.consume(buffer, rows: positions, cols: hidden)`; the caller keeps
/// the rows it wants (e.g. one per byte position or per patch). Rows come out in input order, and the values
/// are identical to measuring each vector on its own with `SparsityValues(measuring:)` (tested).
///
/// With a `ReferenceProfile`, each row also carries the outlier-removed and z-scored variants.
public struct SparsityReducer: Sendable {
    /// Dimension d of every vector.
    public let dimension: Int
    /// Reference for the outlier-removed and z-scored variants; nil computes the raw variant only.
    public let reference: ReferenceProfile?
    /// Running per-dimension moments of every vector consumed so far (raw values).
    public private(set) var moments: ReferenceStatistics
    /// Running sum of each raw measure over consumed vectors, in `SparsityMeasure.allCases` order (NaN for
    /// measures outside ``measures``).
    public private(set) var rawMeasureSums: [Double]
    /// The measures computed. The others come out NaN in every row; a computed measure has the same bits
    /// as when all are computed. Leaving out the energy effective dimension skips a logarithm per entry,
    /// and leaving out every measure that needs the sorted magnitudes (Gini, the top-k shares, the energy
    /// effective dimension, the near-zero fraction) skips the sort.
    public let measures: Set<SparsityMeasure>

    /// - Throws: `MetricsError.outOfRange` for `dimension < 1`, `MetricsError.shapeMismatch` if the reference
    ///   profile has another dimension.
    public init(dimension: Int, reference: ReferenceProfile? = nil,
                measures: Set<SparsityMeasure> = Set(SparsityMeasure.allCases)) throws {
        if let reference, reference.dimension != dimension {
            throw MetricsError.shapeMismatch(argument: "reference.dimension", expected: dimension,
                                             actual: reference.dimension)
        }
        self.dimension = dimension
        self.reference = reference
        self.measures = measures
        self.moments = try ReferenceStatistics(dimension: dimension)
        self.rawMeasureSums = Array(repeating: 0, count: SparsityMeasure.allCases.count)
    }

    /// Number of vectors consumed.
    public var count: Int { moments.count }

    /// Mean of each raw measure over consumed vectors (`SparsityMeasure.allCases` order); zeros before the
    /// first vector.
    public var rawMeasureMeans: [Double] {
        count == 0 ? rawMeasureSums.map { _ in 0 } : rawMeasureSums.map { $0 / Double(count) }
    }

    /// Measures one vector and updates the running moments.
    /// - Throws: `MetricsError.shapeMismatch` for a wrong length, `MetricsError.nonFinite` for NaN/±∞
    ///   (nothing is recorded in that case).
    public mutating func consume(_ vector: UnsafeBufferPointer<Float>) throws -> SparsityRow {
        guard vector.count == dimension else {
            throw MetricsError.shapeMismatch(argument: "vector", expected: dimension, actual: vector.count)
        }
        try validateFinite(vector, argument: "vector")
        return consumeValidated(vector)
    }

    /// Array convenience for `consume(_:)`.
    public mutating func consume(_ vector: [Float]) throws -> SparsityRow {
        try vector.withUnsafeBufferPointer { try consume($0) }
    }

    /// Measures each row of a row-major `[rows, cols]` buffer (a hook's activation for one sequence) and
    /// updates the moments. `rows = 0` returns no rows. The whole buffer is validated before anything is
    /// recorded, so a failing call leaves the reducer unchanged.
    ///
    /// Rows are measured on up to `threads` threads (CKernels' pool; e.g. `ComputeThreads.count` inside a
    /// hook, 1 when the caller already runs several reducers at once). The result does not depend on
    /// `threads`: each row is measured on its own with a fixed summation order, and each dimension's
    /// running moments take the rows in order (the threads split the dimensions, not the rows).
    /// - Throws: `MetricsError.shapeMismatch` if `cols != dimension` or `buffer.count != rows·cols`,
    ///   `MetricsError.nonFinite` naming the flat index of the first NaN/±∞.
    public mutating func consume(_ buffer: UnsafeBufferPointer<Float>, rows: Int, cols: Int, threads: Int = 1) throws
        -> [SparsityRow]
    {
        try VariantPlan(reference, measures: measures).rows(rows, cols: cols) { out in
            try consume(buffer, rows: rows, cols: cols, threads: threads, into: out)
        }
    }

    /// Doubles per row written by `consume(_:rows:cols:threads:into:)`: 10 for the raw measures, plus 10
    /// for the outlier-removed variant when the reference has outlier dimensions, plus 10 for the
    /// z-scored variant when it has dimensions with σ > 0.
    public var packedStride: Int { VariantPlan(reference).stride }

    /// The allocation-free form of `consume(_:rows:cols:threads:)` for hooks that keep their own output
    /// buffer: writes `rows · packedStride` doubles to `out`, row by row, each row's variants in the order
    /// raw, outlier-removed, z-scored (those the reference provides) and within a variant the measures in
    /// `SparsityMeasure.allCases` order (the HDF5 column order). Same values, same errors, same moments.
    public mutating func consume(_ buffer: UnsafeBufferPointer<Float>, rows: Int, cols: Int, threads: Int = 1,
                                 into out: UnsafeMutablePointer<Double>) throws {
        try checkMatrixShape(buffer, rows: rows, cols: cols, dimension: dimension)
        guard rows > 0 else { return }
        try validateFinite(buffer, argument: "buffer")
        let plan = VariantPlan(reference, measures: measures)
        moments.addValidated(buffer, rows: rows, threads: threads, measuringWith: plan, into: out)
        for r in 0..<rows {
            for i in 0..<rawMeasureSums.count { rawMeasureSums[i] += out[r * plan.stride + i] }
        }
    }

    /// Measures each row of a row-major `[rows, cols]` buffer exactly as `consume(_:rows:cols:threads:)` does
    /// (same rows, same errors) for a caller that keeps no reducer: no running moments or measure sums are
    /// updated, which saves their per-dimension pass over the buffer (a study's item stage reads only the
    /// rows). `cols` is the dimension.
    /// - Throws: `MetricsError.shapeMismatch` if `buffer.count != rows·cols` or the reference has another
    ///   dimension, `MetricsError.outOfRange` for `cols < 1`, `MetricsError.nonFinite` naming the flat index
    ///   of the first NaN/±∞.
    public static func measure(_ buffer: UnsafeBufferPointer<Float>, rows: Int, cols: Int,
                               reference: ReferenceProfile? = nil,
                               measures: Set<SparsityMeasure> = Set(SparsityMeasure.allCases),
                               threads: Int = 1) throws -> [SparsityRow] {
        try checkMatrixShape(buffer, rows: rows, cols: cols, dimension: nil)
        if let reference, reference.dimension != cols {
            throw MetricsError.shapeMismatch(argument: "reference.dimension", expected: cols, actual: reference.dimension)
        }
        guard rows > 0 else { return [] }
        try validateFinite(buffer, argument: "buffer")
        let plan = VariantPlan(reference, measures: measures)
        return plan.rows(rows, cols: cols) { out in
            plan.measure(buffer.baseAddress!, rows: rows, cols: cols, into: out, threads: threads)
        }
    }

    private mutating func consumeValidated(_ vector: UnsafeBufferPointer<Float>) -> SparsityRow {
        let row = SparsityReducer.measure(vector, reference: reference, measures: measures)
        moments.addValidated(vector)
        for (i, measure) in SparsityMeasure.allCases.enumerated() { rawMeasureSums[i] += row.raw[measure] }
        return row
    }

    /// Measures one finite, non-empty vector in every available variant without touching any running state.
    static func measure(_ vector: UnsafeBufferPointer<Float>, reference: ReferenceProfile?,
                        measures: Set<SparsityMeasure> = Set(SparsityMeasure.allCases)) -> SparsityRow {
        let plan = VariantPlan(reference, measures: measures)
        var packed = [Double](repeating: 0, count: plan.stride)
        return packed.withUnsafeMutableBufferPointer { out in
            plan.measure(vector.baseAddress!, rows: 1, cols: vector.count, into: out.baseAddress!, threads: 1)
            return plan.row(UnsafePointer(out.baseAddress!), dimension: vector.count)
        }
    }
}

/// Which variants a reference profile asks for, and how they are laid out in CKernels' packed rows
/// (10 doubles per variant: raw, then outlier-removed if there are outlier dimensions, then z-scored
/// if any dimension has σ > 0).
struct VariantPlan {
    let reference: ReferenceProfile?
    let removesOutliers: Bool
    let zScores: Bool
    /// CKernels' measure mask (bit i = `SparsityMeasure.allCases[i]`).
    let measureMask: UInt32

    init(_ reference: ReferenceProfile?, measures: Set<SparsityMeasure> = Set(SparsityMeasure.allCases)) {
        self.reference = reference
        measureMask = SparsityMeasure.allCases.enumerated().reduce(0) { mask, entry in
            measures.contains(entry.element) ? mask | (1 << UInt32(entry.offset)) : mask
        }
        removesOutliers = !(reference?.outlierDimensions.isEmpty ?? true)
        zScores = !(reference?.zScoredDimensions.isEmpty ?? true)
    }

    var stride: Int { SparsityValues.packedCount * (1 + (removesOutliers ? 1 : 0) + (zScores ? 1 : 0)) }

    /// Measures `rows` rows of `cols` floats into `out` (`stride` doubles per row) on up to `threads` threads.
    func measure(_ x: UnsafePointer<Float>, rows: Int, cols: Int, into out: UnsafeMutablePointer<Double>,
                 threads: Int) {
        withKernelArguments { kept, keptCount, zDims, zCount, zMean, zStd in
            bl_sparsity_rows(x, rows, cols, kept, keptCount, zDims, zCount, zMean, zStd, measureMask, out,
                             Int32(max(1, threads)))
        }
    }

    /// The variant arguments of CKernels' row kernels: kept dimensions (nil when no outliers are removed),
    /// z-scored dimensions (nil when there are none), and the reference mean and σ.
    func withKernelArguments(
        _ body: (UnsafePointer<Int>?, Int, UnsafePointer<Int>?, Int, UnsafePointer<Double>?, UnsafePointer<Double>?) -> Void
    ) {
        let kept = removesOutliers ? reference!.keptDimensions : []
        let zDims = zScores ? reference!.zScoredDimensions : []
        let mean = reference?.mean ?? [], std = reference?.standardDeviation ?? []
        kept.withUnsafeBufferPointer { k in
            zDims.withUnsafeBufferPointer { z in
                mean.withUnsafeBufferPointer { m in
                    std.withUnsafeBufferPointer { s in
                        body(removesOutliers ? k.baseAddress : nil, k.count, zScores ? z.baseAddress : nil, z.count,
                             m.baseAddress, s.baseAddress)
                    }
                }
            }
        }
    }

    /// `rows` rows of `cols` entries measured by `fill` into a packed buffer (`stride` doubles per row), unpacked.
    func rows(_ rows: Int, cols: Int, fill: (UnsafeMutablePointer<Double>) throws -> Void) rethrows -> [SparsityRow] {
        var packed = [Double](repeating: 0, count: rows * stride)
        try packed.withUnsafeMutableBufferPointer { try fill($0.baseAddress!) }
        return packed.withUnsafeBufferPointer { out in
            (0..<rows).map { row(out.baseAddress! + $0 * stride, dimension: cols) }
        }
    }

    /// Unpacks one row measured by `measure`.
    func row(_ p: UnsafePointer<Double>, dimension d: Int) -> SparsityRow {
        let raw = SparsityValues(packed: p, dimension: d)
        guard let reference else { return SparsityRow(raw: raw, withoutOutliers: nil, zScored: nil) }
        var next = p + SparsityValues.packedCount
        var withoutOutliers = raw
        if removesOutliers {
            withoutOutliers = SparsityValues(packed: next, dimension: reference.keptDimensions.count)
            next += SparsityValues.packedCount
        }
        let zScored = zScores ? SparsityValues(packed: next, dimension: reference.zScoredDimensions.count) : nil
        return SparsityRow(raw: raw, withoutOutliers: withoutOutliers, zScored: zScored)
    }
}
