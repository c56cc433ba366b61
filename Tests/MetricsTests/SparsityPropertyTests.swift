import Foundation
import Testing
@testable import Metrics

/// Deterministic pseudo-random numbers for property trials (SplitMix64), so failures reproduce.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
    /// Heavy-tailed magnitudes (|Cauchy-ish| clipped), with ~10 % exact zeros, like the note's trials.
    mutating func magnitudes(_ d: Int) -> [Float] {
        (0..<d).map { _ in
            if uniform() < 0.1 { return 0 }
            let u = uniform()
            return Float(min(1e3, abs(1 / (u - 0.5)) * 0.01 + uniform()))
        }
    }
}

@Suite("Sparsity measure properties (Hurley–Rickard and extremes)")
struct SparsityPropertyTests {
    static let scaleInvariant = SparsityMeasure.allCases.filter { $0 != .l2Norm }

    @Test("scale invariance: power-of-two scaling leaves every measure but L2 bit-identical")
    func scaleInvariance() throws {
        var random = SplitMix64(state: 1)
        for trial in 0..<50 {
            let h = (0..<(20 + trial)).map { _ in Float(random.uniform() * 4 - 2) }
            let base = try SparsityValues(measuring: h)
            for factor: Float in [4, 0.125, -2, 1024] {
                let scaled = try SparsityValues(measuring: h.map { $0 * factor })
                for measure in Self.scaleInvariant { #expect(scaled[measure] == base[measure], "\(measure) ×\(factor)") }
                #expect(scaled.l2Norm == base.l2Norm * Double(abs(factor)))
            }
            // A factor that is not a power of two only perturbs through Float rounding of the inputs.
            let scaled = try SparsityValues(measuring: h.map { $0 * 3.7 })
            for measure in Self.scaleInvariant where measure != .nearZeroFraction {
                #expect(isClose(scaled[measure], base[measure], relative: 1e-5, absolute: 1e-6), "\(measure) ×3.7")
            }
        }
    }

    @Test("Robin Hood: moving mass from a larger to a smaller entry lowers Hoyer and Gini")
    func robinHood() throws {
        var random = SplitMix64(state: 2)
        var trials = 0
        while trials < 300 {
            var a = random.magnitudes(60)
            let i = Int(random.next() % 60), j = Int(random.next() % 60)
            guard a[i] > a[j] + 1e-2 else { continue }
            let amount = Float(random.uniform() * 0.45) * (a[i] - a[j])
            let before = try SparsityValues(measuring: a)
            a[i] -= amount
            a[j] += amount
            guard amount > 0, a[i] > a[j] else { continue }
            let after = try SparsityValues(measuring: a)
            #expect(after.hoyer < before.hoyer)
            #expect(after.gini < before.gini)
            trials += 1
        }
    }

    @Test("cloning: Gini of [h, h] equals Gini of h; Hoyer does not (documented)")
    func cloning() throws {
        var random = SplitMix64(state: 3)
        var hoyerChanged = false
        for _ in 0..<50 {
            let h = random.magnitudes(37)
            let base = try SparsityValues(measuring: h)
            let cloned = try SparsityValues(measuring: h + h)
            #expect(isClose(cloned.gini, base.gini, relative: 1e-12, absolute: 1e-14))
            #expect(isClose(cloned.participationRatio, base.participationRatio, relative: 1e-12))
            #expect(isClose(cloned.energyEffectiveDimension, base.energyEffectiveDimension, relative: 1e-12))
            if abs(cloned.hoyer - base.hoyer) > 1e-6 { hoyerChanged = true }
        }
        #expect(hoyerChanged)
    }

    @Test("rising tide: adding a positive constant to every magnitude lowers Hoyer and Gini")
    func risingTide() throws {
        var random = SplitMix64(state: 4)
        for _ in 0..<100 {
            let a = random.magnitudes(50)
            let base = try SparsityValues(measuring: a)
            guard base.gini > 1e-6 else { continue }
            let raised = try SparsityValues(measuring: a.map { $0 + 0.5 })
            #expect(raised.hoyer < base.hoyer)
            #expect(raised.gini < base.gini)
        }
    }

    @Test("Bill Gates and babies: one growing entry and appended zeros raise Hoyer and Gini")
    func billGatesAndBabies() throws {
        var random = SplitMix64(state: 5)
        for _ in 0..<50 {
            var a = random.magnitudes(40)
            let base = try SparsityValues(measuring: a)
            let withZeros = try SparsityValues(measuring: a + [0, 0, 0])
            #expect(withZeros.hoyer > base.hoyer)
            #expect(withZeros.gini > base.gini)
            let largest = a.indices.max { a[$0] < a[$1] }!
            a[largest] *= 10
            let gates = try SparsityValues(measuring: a)
            #expect(gates.hoyer > base.hoyer)
            #expect(gates.gini > base.gini)
        }
    }

    @Test("bounds hold on random vectors")
    func bounds() throws {
        var random = SplitMix64(state: 6)
        for trial in 0..<200 {
            let d = 2 + trial % 97
            let h = (0..<d).map { _ in Float((random.uniform() - 0.5) * pow(10, random.uniform() * 4 - 2)) }
            let v = try SparsityValues(measuring: h)
            let dd = Double(d)
            #expect((0...1).contains(v.hoyer))
            #expect(v.gini >= 0 && v.gini <= 1 - 1 / dd + 1e-12)
            for (measure, percent) in [(SparsityMeasure.top1Energy, 1), (.top5Energy, 5), (.top10Energy, 10)] {
                let k = Double(SparsityMeasure.topCount(percent: percent, dimension: d))
                #expect(v[measure] >= k / dd - 1e-12 && v[measure] <= 1 + 1e-12, "\(measure)")
            }
            #expect(v.top1Energy <= v.top5Energy && v.top5Energy <= v.top10Energy)
            #expect(v.participationRatio >= 1 / dd - 1e-12 && v.participationRatio <= 1 + 1e-12)
            #expect(v.energyEffectiveDimension >= 1 / dd - 1e-12 && v.energyEffectiveDimension <= 1 + 1e-12)
            // Rényi order: exp(H₁) ≥ exp(H₂) = PR.
            #expect(v.energyEffectiveDimension >= v.participationRatio - 1e-12)
            #expect((0...1).contains(v.nearZeroFraction))
            #expect(v.excessKurtosis >= -2 - 1e-12)
            #expect(v.l2Norm > 0)
        }
    }

    @Test("one-hot vectors sit at the sparse extreme, constant vectors at the dense extreme")
    func extremes() throws {
        for d in [1, 2, 7, 100, 2048] {
            let dd = Double(d)
            var oneHot = [Float](repeating: 0, count: d)
            oneHot[d / 2] = -3.25
            let sparse = try SparsityValues(measuring: oneHot)
            #expect(sparse.hoyer == (d == 1 ? 0 : 1))
            #expect(isClose(sparse.gini, 1 - 1 / dd))
            #expect(sparse.top1Energy == 1 && sparse.top10Energy == 1)
            #expect(isClose(sparse.participationRatio, 1 / dd))
            #expect(isClose(sparse.energyEffectiveDimension, 1 / dd))
            #expect(sparse.nearZeroFraction == (dd - 1) / dd)
            #expect(sparse.l2Norm == 3.25)

            let dense = try SparsityValues(measuring: [Float](repeating: 0.3, count: d))
            #expect(dense.hoyer < 1e-7)
            #expect(dense.gini < 1e-12)
            #expect(isClose(dense.top10Energy, Double(SparsityMeasure.topCount(percent: 10, dimension: d)) / dd))
            #expect(isClose(dense.participationRatio, 1))
            #expect(isClose(dense.energyEffectiveDimension, 1))
            #expect(dense.nearZeroFraction == 0)
            #expect(dense.excessKurtosis == 0)
        }
    }

    @Test("degenerate inputs: empty and non-finite throw, zero vector has documented values")
    func degenerate() throws {
        #expect(throws: MetricsError.empty(argument: "vector")) { try SparsityValues(measuring: [Float]()) }
        #expect(throws: MetricsError.nonFinite(argument: "vector", index: 2, value: .infinity)) {
            try SparsityValues(measuring: [1, 2, .infinity])
        }
        do {
            _ = try SparsityValues(measuring: [1, .nan, 3])
            Issue.record("NaN input must throw")
        } catch let MetricsError.nonFinite(argument, index, value) {
            #expect(argument == "vector" && index == 1 && value.isNaN)
        }
        let zero = try SparsityValues(measuring: [Float](repeating: 0, count: 16))
        #expect(zero == SparsityValues(hoyer: 0, gini: 0, top1Energy: 1 / 16, top5Energy: 1 / 16, top10Energy: 2 / 16,
                                       participationRatio: 1, energyEffectiveDimension: 1, nearZeroFraction: 1,
                                       excessKurtosis: 0, l2Norm: 0, dimension: 16))
        let single = try SparsityValues(measuring: [-5])
        #expect(single.hoyer == 0 && single.gini == 0 && single.top1Energy == 1 && single.excessKurtosis == 0)
        #expect(single.l2Norm == 5)
        for v in try SparsityValues(measuring: [Float](repeating: 0, count: 3)).orderedValues { #expect(v.isFinite) }
        #expect(!MetricsError.empty(argument: "vector").description.isEmpty)
    }
}
