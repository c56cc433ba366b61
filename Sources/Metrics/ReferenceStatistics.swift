import CKernels

/// Running per-dimension moments of a stream of vectors of one fixed dimension d, with O(d) memory.
///
/// Used two ways: built from an in-distribution reference set to define outlier dimensions and z-scores
/// (`profile(rule:)`), and inside `SparsityReducer` as the running moments of everything it has consumed.
///
/// Means and variances use Welford's update in `Double`, so the result does not depend on how the stream
/// was split into buffers, only on the order of vectors.
public struct ReferenceStatistics: Sendable, Equatable, Codable {
    /// Dimension d of every vector.
    public let dimension: Int
    /// Number of vectors consumed.
    public private(set) var count: Int = 0
    /// Per-dimension mean of h.
    public private(set) var mean: [Double]
    /// Per-dimension mean of |h|.
    public private(set) var meanAbsolute: [Double]
    /// Per-dimension sum of squared deviations from the running mean (Welford's M₂).
    public private(set) var sumSquaredDeviations: [Double]
    /// Per-dimension minimum (+∞ before the first vector).
    public private(set) var minimum: [Double]
    /// Per-dimension maximum (−∞ before the first vector).
    public private(set) var maximum: [Double]

    /// - Throws: `MetricsError.outOfRange` if `dimension < 1`.
    public init(dimension: Int) throws {
        guard dimension >= 1 else {
            throw MetricsError.outOfRange(argument: "dimension", value: dimension, validRange: "1...")
        }
        self.dimension = dimension
        mean = Array(repeating: 0, count: dimension)
        meanAbsolute = Array(repeating: 0, count: dimension)
        sumSquaredDeviations = Array(repeating: 0, count: dimension)
        minimum = Array(repeating: .infinity, count: dimension)
        maximum = Array(repeating: -.infinity, count: dimension)
    }

    /// Population variance per dimension (divides M₂ by n; all zeros while `count` is 0).
    public var variance: [Double] {
        guard count > 0 else { return Array(repeating: 0, count: dimension) }
        let n = Double(count)
        return sumSquaredDeviations.map { $0 / n }
    }

    /// Population standard deviation per dimension (ddof = 0, like `numpy.std`'s default).
    public var standardDeviation: [Double] { variance.map { $0.squareRoot() } }

    /// Adds one vector.
    /// - Throws: `MetricsError.shapeMismatch` if its length is not `dimension`, `MetricsError.nonFinite` for
    ///   NaN/±∞ entries (nothing is added in that case).
    public mutating func add(_ vector: UnsafeBufferPointer<Float>) throws {
        guard vector.count == dimension else {
            throw MetricsError.shapeMismatch(argument: "vector", expected: dimension, actual: vector.count)
        }
        try validateFinite(vector, argument: "vector")
        addValidated(vector)
    }

    /// Adds one vector given as an array; same contract as the buffer version.
    public mutating func add(_ vector: [Float]) throws {
        try vector.withUnsafeBufferPointer { try add($0) }
    }

    /// Adds `rows` vectors stored row-major in `buffer` (`rows × cols`, `cols == dimension`), as a hook
    /// delivers them. Validates the whole buffer first, so a bad buffer adds nothing.
    public mutating func add(_ buffer: UnsafeBufferPointer<Float>, rows: Int, cols: Int) throws {
        try checkMatrixShape(buffer, rows: rows, cols: cols, dimension: dimension)
        guard rows > 0 else { return }
        try validateFinite(buffer, argument: "buffer")
        addValidated(buffer, rows: rows, threads: 1)
    }

    mutating func addValidated(_ vector: UnsafeBufferPointer<Float>) {
        count += 1
        let n = count, d = dimension
        // CKernels' bl_welford_add: Welford's update element by element, vectorised.
        withMomentPointers { mean, meanAbsolute, m2, minimum, maximum in
            bl_welford_add(vector.baseAddress!, d, n, mean, meanAbsolute, m2, minimum, maximum)
        }
    }

    /// Adds the `rows` rows of a validated row-major buffer in row order, columns split over `threads`
    /// threads (same bits as adding row by row).
    mutating func addValidated(_ buffer: UnsafeBufferPointer<Float>, rows: Int, threads: Int) {
        let first = count, d = dimension
        count += rows
        withMomentPointers { mean, meanAbsolute, m2, minimum, maximum in
            bl_welford_rows(buffer.baseAddress!, rows, d, first, mean, meanAbsolute, m2, minimum, maximum,
                            Int32(max(1, threads)))
        }
    }

    /// As `addValidated(_:rows:threads:)`, and measures the same rows with `plan` into `out` in the same
    /// parallel region (`VariantPlan.measure`'s layout).
    mutating func addValidated(_ buffer: UnsafeBufferPointer<Float>, rows: Int, threads: Int,
                               measuringWith plan: VariantPlan, into out: UnsafeMutablePointer<Double>) {
        let first = count, d = dimension
        count += rows
        withMomentPointers { mean, meanAbsolute, m2, minimum, maximum in
            plan.withKernelArguments { kept, keptCount, zDims, zCount, zMean, zStd in
                bl_sparsity_rows_and_moments(buffer.baseAddress!, rows, d, kept, keptCount, zDims, zCount, zMean, zStd,
                                             plan.measureMask, out, first, mean, meanAbsolute, m2, minimum, maximum,
                                             Int32(max(1, threads)))
            }
        }
    }

    private mutating func withMomentPointers(
        _ body: (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>,
                 UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>) -> Void
    ) {
        mean.withUnsafeMutableBufferPointer { mean in
            meanAbsolute.withUnsafeMutableBufferPointer { meanAbsolute in
                sumSquaredDeviations.withUnsafeMutableBufferPointer { m2 in
                    minimum.withUnsafeMutableBufferPointer { minimum in
                        maximum.withUnsafeMutableBufferPointer { maximum in
                            body(mean.baseAddress!, meanAbsolute.baseAddress!, m2.baseAddress!, minimum.baseAddress!,
                                 maximum.baseAddress!)
                        }
                    }
                }
            }
        }
    }

    /// Combines two accumulators over disjoint streams (Chan et al. pairwise update). Min/max/count exact;
    /// means and M₂ equal the single-stream values up to rounding.
    /// - Throws: `MetricsError.shapeMismatch` if dimensions differ.
    public mutating func merge(_ other: ReferenceStatistics) throws {
        guard other.dimension == dimension else {
            throw MetricsError.shapeMismatch(argument: "other", expected: dimension, actual: other.dimension)
        }
        guard other.count > 0 else { return }
        guard count > 0 else { self = other; return }
        let na = Double(count), nb = Double(other.count), n = na + nb
        for i in 0..<dimension {
            let delta = other.mean[i] - mean[i]
            mean[i] += delta * nb / n
            sumSquaredDeviations[i] += other.sumSquaredDeviations[i] + delta * delta * na * nb / n
            meanAbsolute[i] = (meanAbsolute[i] * na + other.meanAbsolute[i] * nb) / n
            minimum[i] = Swift.min(minimum[i], other.minimum[i])
            maximum[i] = Swift.max(maximum[i], other.maximum[i])
        }
        count += other.count
    }

    /// Freezes the statistics into a profile used for the outlier-removed and z-scored variants.
    /// - Throws: `MetricsError.empty` if no vector was added.
    public func profile(rule: OutlierRule = .default) throws -> ReferenceProfile {
        guard count > 0 else { throw MetricsError.empty(argument: "reference statistics") }
        return try ReferenceProfile(mean: mean, standardDeviation: standardDeviation,
                                outlierDimensions: rule.outlierDimensions(meanAbsolute: meanAbsolute),
                                referenceCount: count, rule: rule)
    }
}

/// Shape check shared by all `(buffer, rows, cols)` entry points.
func checkMatrixShape(_ buffer: UnsafeBufferPointer<Float>, rows: Int, cols: Int, dimension: Int?) throws {
    guard rows >= 0 else { throw MetricsError.outOfRange(argument: "rows", value: rows, validRange: "0...") }
    guard cols >= 1 else { throw MetricsError.outOfRange(argument: "cols", value: cols, validRange: "1...") }
    if let dimension, cols != dimension {
        throw MetricsError.shapeMismatch(argument: "cols", expected: dimension, actual: cols)
    }
    let (count, overflow) = rows.multipliedReportingOverflow(by: cols)
    guard !overflow, buffer.count == count else {
        throw MetricsError.shapeMismatch(argument: "buffer", expected: overflow ? Int.max : count, actual: buffer.count)
    }
}
