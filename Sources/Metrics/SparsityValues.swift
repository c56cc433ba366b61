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
        let values = UnsafeMutableBufferPointer<Double>.allocate(capacity: 2 * d)
        defer { values.deallocate() }
        for i in 0..<d { values[i] = Double(vector[i]) }
        self = SparsityValues.compute(signed: UnsafeBufferPointer(rebasing: values[0..<d]),
                                      scratch: UnsafeMutableBufferPointer(rebasing: values[d..<(2 * d)]))
    }

    /// Convenience for arrays; same contract as `init(measuring:)` on a buffer.
    public init(measuring vector: [Float]) throws {
        self = try vector.withUnsafeBufferPointer { try SparsityValues(measuring: $0) }
    }

    /// Core computation on finite, non-empty `Double` values. `scratch` must hold at least `signed.count`
    /// elements; it receives the sorted magnitudes. Kept internal so variants can reuse one scratch buffer.
    static func compute(signed h: UnsafeBufferPointer<Double>,
                        scratch: UnsafeMutableBufferPointer<Double>) -> SparsityValues {
        let d = h.count
        let dd = Double(d)

        // Magnitudes, L1, energy, fourth power sum and signed mean in one pass.
        var l1 = 0.0, energy = 0.0, fourth = 0.0, sum = 0.0
        for i in 0..<d {
            let x = h[i]
            let a = abs(x)
            scratch[i] = a
            l1 += a
            let a2 = a * a
            energy += a2
            fourth += a2 * a2
            sum += x
        }
        var sorted = UnsafeMutableBufferPointer(rebasing: scratch[0..<d])
        sorted.sort()

        // Signed central moments for the excess kurtosis (two-pass for accuracy).
        let mean = sum / dd
        var m2 = 0.0, m4 = 0.0
        for i in 0..<d {
            let c = h[i] - mean
            let c2 = c * c
            m2 += c2
            m4 += c2 * c2
        }
        m2 /= dd
        m4 /= dd
        let kurtosis = m2 > 0 ? m4 / (m2 * m2) - 3 : 0

        func topEnergy(_ percent: Int) -> Double {
            let k = SparsityMeasure.topCount(percent: percent, dimension: d)
            guard energy > 0 else { return Double(k) / dd }
            var top = 0.0
            for i in (d - k)..<d { top += sorted[i] * sorted[i] }
            return top / energy
        }

        guard energy > 0 else {
            // Zero vector: the values of a constant vector, and every entry counts as near zero.
            return SparsityValues(hoyer: 0, gini: 0, top1Energy: topEnergy(1), top5Energy: topEnergy(5),
                                  top10Energy: topEnergy(10), participationRatio: 1, energyEffectiveDimension: 1,
                                  nearZeroFraction: 1, excessKurtosis: 0, l2Norm: 0, dimension: d)
        }

        let l2 = energy.squareRoot()
        let rootD = dd.squareRoot()
        let hoyer = d > 1 ? min(1, max(0, (rootD - l1 / l2) / (rootD - 1))) : 0

        var weighted = 0.0
        for i in 0..<d { weighted += Double(i + 1) * sorted[i] }
        let gini = max(0, 2 * weighted / (dd * l1) - (dd + 1) / dd)

        var entropy = 0.0
        for i in 0..<d where sorted[i] > 0 {
            let p = sorted[i] * sorted[i] / energy
            entropy -= p * _log(p)
        }

        let threshold = 0.1 * (energy / dd).squareRoot()
        var nearZero = 0
        for i in 0..<d where sorted[i] <= threshold { nearZero += 1 }

        return SparsityValues(hoyer: hoyer, gini: gini, top1Energy: topEnergy(1), top5Energy: topEnergy(5),
                              top10Energy: topEnergy(10), participationRatio: energy * energy / fourth / dd,
                              energyEffectiveDimension: _exp(entropy) / dd,
                              nearZeroFraction: Double(nearZero) / dd, excessKurtosis: kurtosis, l2Norm: l2,
                              dimension: d)
    }
}
