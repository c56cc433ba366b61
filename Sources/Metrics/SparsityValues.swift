import CKernels

/// The values of every `SparsityMeasure` for one vector (one representation of it).
///
/// Construct with `init(measuring:)` from `Float` data (accumulation in `Double`), or through
/// `SparsityReducer`, which also produces the outlier-removed and z-scored variants.
public struct SparsityValues: Sendable, Equatable, Codable {
    public var hoyer: Double
    public var gini: Double
    public var top1Energy: Double
    public var top5Energy: Double
    public var top10Energy: Double
    /// Participation ratio divided by d.
    public var participationRatio: Double
    /// exp(Shannon entropy of the energy distribution) divided by d.
    public var energyEffectiveDimension: Double
    public var nearZeroFraction: Double
    public var excessKurtosis: Double
    public var l2Norm: Double
    /// Number of entries d the values were computed on (after outlier removal for that variant).
    public var dimension: Int

    /// Creates values directly (for decoding or tests); prefer `init(measuring:)`.
    public init(hoyer: Double, gini: Double, top1Energy: Double, top5Energy: Double, top10Energy: Double,
                participationRatio: Double, energyEffectiveDimension: Double, nearZeroFraction: Double,
                excessKurtosis: Double, l2Norm: Double, dimension: Int) {
        self.hoyer = hoyer
        self.gini = gini
        self.top1Energy = top1Energy
        self.top5Energy = top5Energy
        self.top10Energy = top10Energy
        self.participationRatio = participationRatio
        self.energyEffectiveDimension = energyEffectiveDimension
        self.nearZeroFraction = nearZeroFraction
        self.excessKurtosis = excessKurtosis
        self.l2Norm = l2Norm
        self.dimension = dimension
    }

    /// The value of one measure.
    public subscript(measure: SparsityMeasure) -> Double {
        switch measure {
        case .hoyer: return hoyer
        case .gini: return gini
        case .top1Energy: return top1Energy
        case .top5Energy: return top5Energy
        case .top10Energy: return top10Energy
        case .participationRatio: return participationRatio
        case .energyEffectiveDimension: return energyEffectiveDimension
        case .nearZeroFraction: return nearZeroFraction
        case .excessKurtosis: return excessKurtosis
        case .l2Norm: return l2Norm
        }
    }

    /// All measures in `SparsityMeasure.allCases` order (the HDF5 column order).
    public var orderedValues: [Double] { SparsityMeasure.allCases.map { self[$0] } }

    /// Measures one activation vector.
    ///
    /// - Throws: `MetricsError.empty` for an empty vector, `MetricsError.nonFinite` if any entry is NaN or ±∞.
    /// - Returns: finite values for every finite input; see `SparsityMeasure` for the value of each measure on
    ///   constant, zero and one-element vectors.
    public init(measuring vector: UnsafeBufferPointer<Float>) throws {
        try validateFinite(vector, argument: "vector")
        let d = vector.count
        let work = UnsafeMutableBufferPointer<Double>.allocate(capacity: SparsityValues.workCount(d))
        defer { work.deallocate() }
        var out = [Double](repeating: 0, count: Self.packedCount)
        out.withUnsafeMutableBufferPointer { bl_sparsity_values_f32(vector.baseAddress!, d, work.baseAddress!, $0.baseAddress!) }
        self = SparsityValues(packed: out, dimension: d)
    }

    /// Convenience for arrays; same contract as `init(measuring:)` on a buffer.
    public init(measuring vector: [Float]) throws {
        self = try vector.withUnsafeBufferPointer { try SparsityValues(measuring: $0) }
    }

    /// Doubles of workspace the kernel needs for a vector of d entries (`BL_SPARSITY_WORK_DOUBLES`).
    static func workCount(_ d: Int) -> Int { 4 * d }

    /// Doubles the kernel packs per vector, one per ``SparsityMeasure`` (the C side's `BL_SPARSITY_VALUES`;
    /// a test checks they agree).
    public static let packedCount = Int(BL_SPARSITY_VALUES)

    /// Values from ``packedCount`` packed doubles at `p` (`SparsityMeasure.allCases` order).
    init(packed p: UnsafePointer<Double>, dimension: Int) {
        self.init(hoyer: p[0], gini: p[1], top1Energy: p[2], top5Energy: p[3], top10Energy: p[4],
                  participationRatio: p[5], energyEffectiveDimension: p[6], nearZeroFraction: p[7],
                  excessKurtosis: p[8], l2Norm: p[9], dimension: dimension)
    }
}
