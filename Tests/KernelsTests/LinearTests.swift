import Testing
@testable import Kernels

/// Deterministic pseudo-random numbers for test inputs (SplitMix64 -> Float in [-1, 1)).
struct TestRandom {
    var state: UInt64
    mutating func next() -> Float {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        z ^= z >> 31
        return Float(z >> 40) / Float(1 << 23) - 1
    }
    mutating func array(_ count: Int) -> [Float] { (0..<count).map { _ in next() } }
}

@Suite("Linear (oneDNN sgemm)")
struct LinearTests {
    /// The last two shapes exceed the threading threshold: split by rows, then by output columns.
    @Test("x · Wᵀ matches a float64 reference for odd shapes", arguments: [(1, 1, 1), (3, 5, 7), (17, 64, 33), (70, 48, 260), (300, 128, 96), (3, 1024, 1024)])
    func matchesReference(shape: (Int, Int, Int)) throws {
        let (rows, inFeatures, outFeatures) = shape
        var random = TestRandom(state: UInt64(rows * 1000 + inFeatures))
        let x = random.array(rows * inFeatures)
        let w = random.array(outFeatures * inFeatures)
        let y = try Linear.apply(x, rows: rows, weight: w, outFeatures: outFeatures)
        var maxDiff: Double = 0
        for r in 0..<rows {
            for o in 0..<outFeatures {
                var expected = 0.0
                for i in 0..<inFeatures { expected += Double(x[r * inFeatures + i]) * Double(w[o * inFeatures + i]) }
                maxDiff = max(maxDiff, abs(expected - Double(y[r * outFeatures + o])))
            }
        }
        #expect(maxDiff < 1e-4)
    }

    @Test("accumulate adds to the output")
    func accumulates() throws {
        let x: [Float] = [1, 2]          // [1, 2]
        let w: [Float] = [3, 4, 5, 6]    // [2 out, 2 in]
        var out: [Float] = [10, 20]
        x.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                out.withUnsafeMutableBufferPointer { op in
                    try? Linear.apply(xp.baseAddress!, rows: 1, inFeatures: 2, weight: wp.baseAddress!, outFeatures: 2,
                                      into: op.baseAddress!, accumulate: true)
                }
            }
        }
        #expect(out == [10 + 11, 20 + 17])
    }
}

@Suite("RMSNorm, RoPE, SwiGLU")
struct ElementwiseTests {
    @Test("RMSNorm normalises by the root mean square and scales by the weight")
    func rmsNorm() {
        let y = RMSNorm.apply([3, 4, 0, 0], columns: 2, weight: [1, 2], eps: 0)
        let rms = Float((9.0 + 16.0) / 2).squareRoot()
        #expect(abs(y[0] - 3 / rms) < 1e-6 && abs(y[1] - 2 * 4 / rms) < 1e-6)
        // A zero row with eps 0 is 0 * inf = NaN, as in torch; with a positive eps it stays exactly 0.
        #expect(y[2].isNaN)
        let z = RMSNorm.apply([0, 0], columns: 2, weight: [1, 1], eps: 1e-5)
        #expect(z == [0, 0])
    }

    @Test("RoPE rotates adjacent pairs by pos·θ^(-2i/d)")
    func rope() {
        let rope = RotaryEmbedding(theta: 10000, headDim: 4, positions: 3)
        var x: [Float] = [1, 0, 1, 0,  1, 0, 1, 0,  0, 1, 2, 3]
        x.withUnsafeMutableBufferPointer { rope.apply($0.baseAddress!, rows: 3, heads: 1, rowStride: 4) }
        // Position 0: identity.
        #expect(Array(x[0..<4]) == [1, 0, 1, 0])
        // Position 1: pair 0 rotated by 1 rad, pair 1 by 1/100 rad.
        #expect(abs(x[4] - cosf(1)) < 1e-6 && abs(x[5] - sinf(1)) < 1e-6)
        #expect(abs(x[6] - cosf(0.01)) < 1e-6 && abs(x[7] - sinf(0.01)) < 1e-6)
        // Position 2, pair 0 = (0, 1) rotated by 2 rad: (-sin 2, cos 2).
        #expect(abs(x[8] + sinf(2)) < 1e-6 && abs(x[9] - cosf(2)) < 1e-6)
    }

    @Test("SwiGLU is silu(gate)·up")
    func swiglu() {
        let gate: [Float] = [0, 1, -2, 30, -100]
        let up: [Float] = [5, 2, 3, 1, 1]
        var out = [Float](repeating: 0, count: 5)
        gate.withUnsafeBufferPointer { g in up.withUnsafeBufferPointer { u in out.withUnsafeMutableBufferPointer { o in
            SwiGLU.apply(gate: g.baseAddress!, up: u.baseAddress!, count: 5, into: o.baseAddress!)
        } } }
        for i in 0..<5 {
            let g = Double(gate[i])
            let expected = g / (1 + Foundation_exp(-g)) * Double(up[i])
            #expect(abs(Double(out[i]) - expected) < 1e-5)
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
func Foundation_exp(_ x: Double) -> Double { exp(x) }

@Suite("Linear with transposed weights")
struct TransposedLinearTests {
    /// Same products as `apply(weight:)`, weight stored `[in, out]`; the larger shapes take the threaded,
    /// chunked paths (row bands, then column chunks with an offset into the transposed layout).
    @Test("x · Wᵀ from a [in, out] weight matches the [out, in] product",
          arguments: [(1, 1, 1), (3, 5, 7), (70, 48, 260), (300, 128, 96), (3, 1024, 1024), (86, 512, 1500)])
    func matchesUntransposed(shape: (Int, Int, Int)) throws {
        let (rows, inFeatures, outFeatures) = shape
        var random = TestRandom(state: UInt64(rows * 31 + outFeatures))
        let x = random.array(rows * inFeatures)
        let w = random.array(outFeatures * inFeatures)
        var wT = [Float](repeating: 0, count: w.count)
        for o in 0..<outFeatures { for i in 0..<inFeatures { wT[i * outFeatures + o] = w[o * inFeatures + i] } }
        let expected = try Linear.apply(x, rows: rows, weight: w, outFeatures: outFeatures)
        var y = [Float](repeating: .nan, count: rows * outFeatures)
        try x.withUnsafeBufferPointer { xp in
            try wT.withUnsafeBufferPointer { wp in
                try y.withUnsafeMutableBufferPointer { yp in
                    try Linear.apply(xp.baseAddress!, rows: rows, inFeatures: inFeatures, transposedWeight: wp.baseAddress!,
                                     outFeatures: outFeatures, into: yp.baseAddress!)
                }
            }
        }
        var maxDiff: Float = 0
        for i in y.indices { maxDiff = max(maxDiff, abs(y[i] - expected[i])) }
        #expect(maxDiff < 1e-4)
    }
}
