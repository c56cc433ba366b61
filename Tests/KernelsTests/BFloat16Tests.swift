import Testing
@testable import Kernels

@Suite("bf16 products (oneDNN matmul primitive)")
struct BFloat16Tests {
    @Test("rounding is nearest-even, keeps NaN and widens back exactly")
    func rounding() {
        let values: [Float] = [1, 1 + 1.0 / 256, 1 + 3.0 / 512, -2.5, .infinity, -.infinity, .nan, 0, -0.0, .greatestFiniteMagnitude]
        var bits = [UInt16](repeating: 0, count: values.count)
        var back = [Float](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { v in bits.withUnsafeMutableBufferPointer { BFloat16.round(v.baseAddress!, count: v.count, into: $0.baseAddress!) } }
        bits.withUnsafeBufferPointer { b in back.withUnsafeMutableBufferPointer { BFloat16.widen(b.baseAddress!, count: b.count, into: $0.baseAddress!) } }
        #expect(back[0] == 1)
        #expect(back[1] == 1)                    // 1 + 2^-8 is a tie: rounds to even (1)
        #expect(back[2] == 1 + 1.0 / 128)        // 1 + 3·2^-9 rounds up to the next bf16
        #expect(back[3] == -2.5 && back[4] == .infinity && back[5] == -.infinity)
        #expect(back[6].isNaN && back[7] == 0 && back[8].sign == .minus)
        #expect(back[9] == .infinity)            // above the largest bf16 3.3895e38 by more than half an ulp
    }

    /// Products of bf16-rounded inputs accumulate in fp32, so the result must match a Double reference
    /// computed on the rounded values to fp32 accuracy, and the unrounded product to bf16 accuracy.
    @Test("bf16 · bf16 → fp32 matches references for odd and threaded shapes",
          arguments: [(1, 1, 1), (3, 5, 7), (17, 64, 33), (70, 48, 260), (300, 128, 96), (3, 1024, 1024)])
    func matchesReference(shape: (Int, Int, Int)) throws {
        let (rows, inFeatures, outFeatures) = shape
        var random = TestRandom(state: UInt64(rows * 7919 + outFeatures))
        let x = random.array(rows * inFeatures)
        let w = random.array(outFeatures * inFeatures)
        var wBits = [UInt16](repeating: 0, count: w.count)
        var xRounded = [Float](repeating: 0, count: x.count), wRounded = [Float](repeating: 0, count: w.count)
        var xBits = [UInt16](repeating: 0, count: x.count)
        w.withUnsafeBufferPointer { p in wBits.withUnsafeMutableBufferPointer { BFloat16.round(p.baseAddress!, count: p.count, into: $0.baseAddress!) } }
        x.withUnsafeBufferPointer { p in xBits.withUnsafeMutableBufferPointer { BFloat16.round(p.baseAddress!, count: p.count, into: $0.baseAddress!) } }
        wBits.withUnsafeBufferPointer { b in wRounded.withUnsafeMutableBufferPointer { BFloat16.widen(b.baseAddress!, count: b.count, into: $0.baseAddress!) } }
        xBits.withUnsafeBufferPointer { b in xRounded.withUnsafeMutableBufferPointer { BFloat16.widen(b.baseAddress!, count: b.count, into: $0.baseAddress!) } }
        var y = [Float](repeating: .nan, count: rows * outFeatures)
        try x.withUnsafeBufferPointer { xp in
            try wBits.withUnsafeBufferPointer { wp in
                try y.withUnsafeMutableBufferPointer { yp in
                    try Linear.applyBFloat16(xp.baseAddress!, rows: rows, inFeatures: inFeatures, weight: wp.baseAddress!,
                                             outFeatures: outFeatures, into: yp.baseAddress!)
                }
            }
        }
        var roundedDiff = 0.0, exactDiff = 0.0
        for r in 0..<rows {
            for o in 0..<outFeatures {
                var rounded = 0.0, exact = 0.0
                for i in 0..<inFeatures {
                    rounded += Double(xRounded[r * inFeatures + i]) * Double(wRounded[o * inFeatures + i])
                    exact += Double(x[r * inFeatures + i]) * Double(w[o * inFeatures + i])
                }
                roundedDiff = max(roundedDiff, abs(rounded - Double(y[r * outFeatures + o])))
                exactDiff = max(exactDiff, abs(exact - Double(y[r * outFeatures + o])))
            }
        }
        #expect(roundedDiff < 1e-4, "fp32 accumulation of the bf16 inputs")
        // bf16 keeps 8 significant bits: per-term error ≤ 2^-8 relative, random signs → ~√K growth.
        #expect(exactDiff < 0.01 * Double(inFeatures).squareRoot(), "bf16 rounding of the inputs")
    }
}
