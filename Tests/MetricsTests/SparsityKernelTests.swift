import CKernels
import Foundation
import Testing
@testable import Metrics

/// The measures as written in `SparsityMeasure`'s documentation, computed the slow obvious way: Double
/// sums in index order, magnitudes ordered by the standard library's sort. The fast kernel (radix-sorted
/// magnitudes, fixed 8-lane sums, own logarithm) must agree with it to rounding on every kind of vector.
private func obviousMeasures(_ h: [Double]) -> [Double] {
    let d = h.count, dd = Double(d)
    let a = h.map(abs)
    let sorted = a.sorted()
    let l1 = a.reduce(0, +), energy = a.reduce(0) { $0 + $1 * $1 }, fourth = a.reduce(0) { $0 + $1 * $1 * $1 * $1 }
    let mean = h.reduce(0, +) / dd
    let m2 = h.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / dd
    let m4 = h.reduce(0) { $0 + pow($1 - mean, 4) } / dd
    let kurtosis = m2 > 0 ? m4 / (m2 * m2) - 3 : 0
    func top(_ percent: Int) -> Double {
        let k = SparsityMeasure.topCount(percent: percent, dimension: d)
        guard energy > 0 else { return Double(k) / dd }
        return sorted[(d - k)...].reduce(0) { $0 + $1 * $1 } / energy
    }
    guard energy > 0 else { return [0, 0, top(1), top(5), top(10), 1, 1, 1, 0, 0] }
    let l2 = energy.squareRoot()
    let hoyer = d > 1 ? min(1, max(0, (dd.squareRoot() - l1 / l2) / (dd.squareRoot() - 1))) : 0
    let weighted = sorted.enumerated().reduce(0.0) { $0 + Double($1.offset + 1) * $1.element }
    let gini = max(0, 2 * weighted / (dd * l1) - (dd + 1) / dd)
    let entropy = -a.reduce(0.0) { sum, x in
        let p = x * x / energy
        return p > 0 ? sum + p * log(p) : sum
    }
    let nearZero = Double(a.filter { $0 <= 0.1 * (energy / dd).squareRoot() }.count) / dd
    return [hoyer, gini, top(1), top(5), top(10), energy * energy / fourth / dd, exp(entropy) / dd, nearZero,
            kurtosis, l2]
}

/// Deterministic vectors of the shapes activations take, and the shapes that stress the sort.
enum Shape: CaseIterable, Sendable {
    case gaussian, massiveActivation, manyTies, allEqual, zero, nearEqualClusterWithOutlier, hugeRange, subnormal
    case sparseReLU, offsetMean, largeOffset

    func vector(_ d: Int, seed: UInt64) -> [Float] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func uniform() -> Double {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return (Double(state >> 11) + 0.5) / 9_007_199_254_740_992
        }
        func normal() -> Double { (-2 * log(uniform())).squareRoot() * cos(2 * .pi * uniform()) }
        switch self {
        case .gaussian: return (0..<d).map { _ in Float(normal()) }
        case .massiveActivation:
            return (0..<d).map { i in Float(i == d / 3 ? 800 * normal() : normal()) }
        case .manyTies: return (0..<d).map { _ in Float((uniform() * 5).rounded(.down) - 2) }
        case .allEqual: return Array(repeating: -1.75, count: d)
        case .zero: return Array(repeating: 0, count: d)
        case .nearEqualClusterWithOutlier:
            // Everything but one entry agrees in the leading key bits: the insertion pass overflows its
            // budget and the library sort finishes.
            return (0..<d).map { i in i == 0 ? 1e6 : Float(1 + uniform() * 1e-6) }
        case .hugeRange: return (0..<d).map { _ in Float(normal() * pow(10, uniform() * 60 - 30)) }
        case .subnormal: return (0..<d).map { _ in Float(normal()) * 1e-42 }
        case .sparseReLU: return (0..<d).map { _ in Float(max(0, normal() - 1.2)) }
        // Kurtosis from power sums (μ² ≤ E[x²]/4) and from the second pass (μ² > E[x²]/4).
        case .offsetMean: return (0..<d).map { _ in Float(0.5 + normal()) }
        case .largeOffset: return (0..<d).map { _ in Float(40 + normal()) }
        }
    }
}

@Suite("The fast sparsity kernel against the obvious computation")
struct SparsityKernelTests {
    static let sizes = [1, 2, 3, 7, 8, 9, 15, 16, 17, 63, 64, 100, 129, 192, 256, 385, 512, 768, 1000, 1536, 4099]

    @Test("every measure agrees to 1e-12 relative on every shape and size", arguments: Shape.allCases)
    func agreesWithObviousComputation(shape: Shape) throws {
        for d in Self.sizes {
            let vector = shape.vector(d, seed: UInt64(d))
            let fast = try SparsityValues(measuring: vector).orderedValues
            let obvious = obviousMeasures(vector.map(Double.init))
            for (i, measure) in SparsityMeasure.allCases.enumerated() {
                // Kurtosis is m4/m2² − 3: near 0 the subtraction leaves ~1e-14 absolute noise in both.
                let absolute = measure == .excessKurtosis ? 1e-12 : 1e-14
                #expect(isClose(fast[i], obvious[i], relative: 1e-12, absolute: absolute),
                        "\(shape) d=\(d) \(measure): \(fast[i]) vs \(obvious[i])")
            }
        }
    }

    @Test("the Double kernel (used for z-scores) and the float kernel agree bit for bit on widened floats")
    func doubleAndFloatPathsAgree() {
        for shape in Shape.allCases {
            for d in Self.sizes {
                let vector = shape.vector(d, seed: UInt64(3 * d + 1))
                let widened = vector.map(Double.init)
                var work = [Double](repeating: 0, count: 4 * d)
                var fromFloats = [Double](repeating: 0, count: 10), fromDoubles = fromFloats
                bl_sparsity_values_f32(vector, d, &work, &fromFloats)
                bl_sparsity_values(widened, d, &work, &fromDoubles)
                #expect(fromFloats == fromDoubles, "\(shape) d=\(d)")
            }
        }
    }

    @Test("a very long vector (d = 70,001) agrees on both entry points and with the obvious computation")
    func veryLongVectors() throws {
        let d = 70_001
        let vector = Shape.massiveActivation.vector(d, seed: 11)
        let obvious = obviousMeasures(vector.map(Double.init))
        var work = [Double](repeating: 0, count: 4 * d)
        var fromFloats = [Double](repeating: 0, count: 10), fromDoubles = fromFloats
        bl_sparsity_values_f32(vector, d, &work, &fromFloats)
        bl_sparsity_values(vector.map(Double.init), d, &work, &fromDoubles)
        #expect(fromFloats == fromDoubles)
        for (i, measure) in SparsityMeasure.allCases.enumerated() {
            #expect(isClose(fromFloats[i], obvious[i], relative: 1e-11, absolute: 1e-12), "\(measure)")
        }
    }

    @Test("Gini and top-k equal the obvious values exactly when sums cannot reorder (small integers)")
    func exactOnIntegers() throws {
        // Small integers: every partial sum is exact in Double, so only the order of the sort matters.
        for d in [5, 31, 200, 777] {
            let vector = Shape.manyTies.vector(d, seed: 7).enumerated().map { Float(Int($0.element) * ($0.offset % 3)) }
            let fast = try SparsityValues(measuring: vector)
            let obvious = obviousMeasures(vector.map(Double.init))
            #expect(fast.gini == obvious[1] && fast.top1Energy == obvious[2] && fast.top10Energy == obvious[4],
                    "d=\(d)")
        }
    }

    @Test("rows measured on 1 or 2 threads, or one by one, are bit-identical; moments too")
    func threadCountDoesNotChangeBits() throws {
        let cols = 192, rows = 301
        let buffer = (0..<rows).flatMap { Shape.massiveActivation.vector(cols, seed: UInt64($0 + 1)) }
        let profile = try {
            var statistics = try ReferenceStatistics(dimension: cols)
            try buffer.withUnsafeBufferPointer { try statistics.add($0, rows: rows, cols: cols) }
            return try statistics.profile()
        }()
        #expect(!profile.outlierDimensions.isEmpty, "the massive dimension is an outlier, so all variants run")
        var one = try SparsityReducer(dimension: cols, reference: profile)
        var two = try SparsityReducer(dimension: cols, reference: profile)
        var single = try SparsityReducer(dimension: cols, reference: profile)
        let a = try buffer.withUnsafeBufferPointer { try one.consume($0, rows: rows, cols: cols, threads: 1) }
        let b = try buffer.withUnsafeBufferPointer { try two.consume($0, rows: rows, cols: cols, threads: 2) }
        let c = try (0..<rows).map { r in try single.consume(Array(buffer[(r * cols)..<((r + 1) * cols)])) }
        #expect(a == b)
        #expect(a == c)
        #expect(one.moments == two.moments && one.moments == single.moments)
        #expect(one.rawMeasureSums == two.rawMeasureSums)
    }

    @Test("variants measure what the profile says: kept dimensions and z-scores")
    func variantsMatchObviousComputation() throws {
        let cols = 64, rows = 40
        let buffer = (0..<rows).flatMap { Shape.massiveActivation.vector(cols, seed: UInt64(100 + $0)) }
        var statistics = try ReferenceStatistics(dimension: cols)
        try buffer.withUnsafeBufferPointer { try statistics.add($0, rows: rows, cols: cols) }
        let profile = try statistics.profile()
        var reducer = try SparsityReducer(dimension: cols, reference: profile)
        let measured = try buffer.withUnsafeBufferPointer { try reducer.consume($0, rows: rows, cols: cols, threads: 2) }
        for r in 0..<rows {
            let row = buffer[(r * cols)..<((r + 1) * cols)].map(Double.init)
            let kept = obviousMeasures(profile.keptDimensions.map { row[$0] })
            let z = obviousMeasures(profile.zScoredDimensions.map { (row[$0] - profile.mean[$0]) / profile.standardDeviation[$0] })
            for (i, measure) in SparsityMeasure.allCases.enumerated() {
                #expect(isClose(measured[r].withoutOutliers![measure], kept[i], relative: 1e-12, absolute: 1e-14))
                #expect(isClose(measured[r].zScored![measure], z[i], relative: 1e-12, absolute: 1e-14))
            }
            #expect(measured[r].withoutOutliers!.dimension == profile.keptDimensions.count)
        }
    }

    @Test("a NaN or infinity anywhere in a hook buffer is reported by flat index, nothing recorded")
    func nonFiniteIsFound() throws {
        for (index, bad) in [(0, Float.nan), (63, .infinity), (64, -.infinity), (200, .nan), (383, .nan)] {
            var buffer = Shape.gaussian.vector(384, seed: 3)
            buffer[index] = bad
            var reducer = try SparsityReducer(dimension: 128)
            do {
                _ = try buffer.withUnsafeBufferPointer { try reducer.consume($0, rows: 3, cols: 128) }
                Issue.record("no error for \(bad) at \(index)")
            } catch MetricsError.nonFinite(_, let found, _) {
                #expect(found == index)
            }
            #expect(reducer.count == 0)
        }
    }
}
