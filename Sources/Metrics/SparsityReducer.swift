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
    /// Running sum of each raw measure over consumed vectors, in `SparsityMeasure.allCases` order.
    public private(set) var rawMeasureSums: [Double]

    /// - Throws: `MetricsError.outOfRange` for `dimension < 1`, `MetricsError.shapeMismatch` if the reference
    ///   profile has another dimension.
    public init(dimension: Int, reference: ReferenceProfile? = nil) throws {
        if let reference, reference.dimension != dimension {
            throw MetricsError.shapeMismatch(argument: "reference.dimension", expected: dimension,
                                             actual: reference.dimension)
        }
        self.dimension = dimension
        self.reference = reference
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
        let workspace = UnsafeMutableBufferPointer<Double>.allocate(capacity: 3 * dimension)
        defer { workspace.deallocate() }
        return consumeValidated(vector, workspace: workspace)
    }

    /// Array convenience for `consume(_:)`.
    public mutating func consume(_ vector: [Float]) throws -> SparsityRow {
        try vector.withUnsafeBufferPointer { try consume($0) }
    }

    /// Measures each row of a row-major `[rows, cols]` buffer (a hook's activation for one sequence) and
    /// updates the moments. `rows = 0` returns no rows. The whole buffer is validated before anything is
    /// recorded, so a failing call leaves the reducer unchanged.
    /// - Throws: `MetricsError.shapeMismatch` if `cols != dimension` or `buffer.count != rows·cols`,
    ///   `MetricsError.nonFinite` naming the flat index of the first NaN/±∞.
    public mutating func consume(_ buffer: UnsafeBufferPointer<Float>, rows: Int, cols: Int) throws
        -> [SparsityRow]
    {
        try checkMatrixShape(buffer, rows: rows, cols: cols, dimension: dimension)
        guard rows > 0 else { return [] }
        try validateFinite(buffer, argument: "buffer")
        let workspace = UnsafeMutableBufferPointer<Double>.allocate(capacity: 3 * dimension)
        defer { workspace.deallocate() }
        var result: [SparsityRow] = []
        result.reserveCapacity(rows)
        for r in 0..<rows {
            let row = UnsafeBufferPointer(rebasing: buffer[(r * cols)..<((r + 1) * cols)])
            result.append(consumeValidated(row, workspace: workspace))
        }
        return result
    }

    private mutating func consumeValidated(_ vector: UnsafeBufferPointer<Float>,
                                           workspace: UnsafeMutableBufferPointer<Double>) -> SparsityRow {
        let row = SparsityReducer.measure(vector, reference: reference, workspace: workspace)
        moments.addValidated(vector)
        for (i, measure) in SparsityMeasure.allCases.enumerated() { rawMeasureSums[i] += row.raw[measure] }
        return row
    }

    /// Measures one finite vector in every available variant without touching any running state.
    /// `workspace` holds ≥ 3·d doubles.
    static func measure(_ vector: UnsafeBufferPointer<Float>, reference: ReferenceProfile?,
                        workspace: UnsafeMutableBufferPointer<Double>) -> SparsityRow {
        let d = vector.count
        let values = UnsafeMutableBufferPointer(rebasing: workspace[0..<d])
        let scratch = UnsafeMutableBufferPointer(rebasing: workspace[d..<(2 * d)])
        let variant = UnsafeMutableBufferPointer(rebasing: workspace[(2 * d)..<(3 * d)])
        for i in 0..<d { values[i] = Double(vector[i]) }
        let raw = SparsityValues.compute(signed: UnsafeBufferPointer(values), scratch: scratch)
        guard let reference else { return SparsityRow(raw: raw, withoutOutliers: nil, zScored: nil) }

        let withoutOutliers: SparsityValues
        if reference.outlierDimensions.isEmpty {
            withoutOutliers = raw
        } else {
            let kept = reference.keptDimensions
            for (j, i) in kept.enumerated() { variant[j] = values[i] }
            withoutOutliers = SparsityValues.compute(
                signed: UnsafeBufferPointer(rebasing: variant[0..<kept.count]), scratch: scratch)
        }

        let zDims = reference.zScoredDimensions
        let zScored: SparsityValues?
        if zDims.isEmpty {
            zScored = nil
        } else {
            for (j, i) in zDims.enumerated() {
                variant[j] = (values[i] - reference.mean[i]) / reference.standardDeviation[i]
            }
            zScored = SparsityValues.compute(signed: UnsafeBufferPointer(rebasing: variant[0..<zDims.count]),
                                             scratch: scratch)
        }
        return SparsityRow(raw: raw, withoutOutliers: withoutOutliers, zScored: zScored)
    }
}
