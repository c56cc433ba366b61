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

    /// The nearest bf16 by distance, computed in Double from the two neighbouring bf16 values (an
    /// independent formulation of the kernel's integer carry trick); ties go to the even pattern.
    static func referenceBits(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16((bits >> 16) | 0x0040) }
        let down = UInt16(bits >> 16)                    // toward zero
        if value.isInfinite || UInt32(down) << 16 == bits { return down }
        let up = down &+ 1                               // away from zero (0x7F7F + 1 is infinity)
        let low = Double(Float(bitPattern: UInt32(down) << 16))
        // Rounding up past the largest finite bf16 gives infinity where the unbounded-exponent neighbour
        // ±2^128 is nearer, as in IEEE rounding.
        let high = up & 0x7FFF == 0x7F80 ? (value < 0 ? -0x1p128 : 0x1p128) : Double(Float(bitPattern: UInt32(up) << 16))
        let exact = Double(value)
        let below = abs(exact - low), above = abs(high - exact)
        if below != above { return below < above ? down : up }
        return down & 1 == 0 ? down : up
    }

    /// Random bit patterns cover every class (subnormals, NaN payloads, near-overflow); the large count
    /// also goes through the chunked parallel path, which must give the same bits.
    @Test("rounding matches a nearest-even reference on 1,000,000 random bit patterns, serial and chunked")
    func roundingMatchesReference() {
        var state: UInt64 = 0x5EED
        var values = (0..<1_000_000).map { _ -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(bitPattern: UInt32(truncatingIfNeeded: state >> 32))
        }
        // Exact ties, both parities, the largest finite bf16 with a tie above it, subnormal ties.
        values += [Float(bitPattern: 0x3F80_8000), Float(bitPattern: 0x3F81_8000), Float(bitPattern: 0x7F7F_8000),
                   Float(bitPattern: 0x7F7F_7FFF), Float(bitPattern: 0x0000_8000), Float(bitPattern: 0x8001_8000),
                   Float(bitPattern: 0x7F80_0001), Float(bitPattern: 0xFFC0_0000)]
        var serial = [UInt16](repeating: 0, count: values.count), chunked = serial
        values.withUnsafeBufferPointer { v in
            serial.withUnsafeMutableBufferPointer { BFloat16.round(v.baseAddress!, count: v.count, into: $0.baseAddress!) }
            chunked.withUnsafeMutableBufferPointer { BFloat16.roundInParallel(v.baseAddress!, count: v.count, into: $0.baseAddress!) }
        }
        var mismatches = 0
        for (i, value) in values.enumerated() where serial[i] != Self.referenceBits(value) { mismatches += 1 }
        #expect(mismatches == 0)
        #expect(serial == chunked)
        #expect(serial[values.count - 2] == 0x7FC0 && serial[values.count - 6] == 0x7F80)   // NaN quieted; tie above max → inf
    }

    /// q/k/v-like groups: column bands (86 rows: dense scratch bands copied into the strided output),
    /// row bands (700 rows), a product too small to split, and an empty one, in one parallel region.
    @Test("a group of bf16 products sharing one input equals one call per product, bit for bit",
          arguments: [86, 700])
    func groupEqualsSingleCalls(rows: Int) throws {
        let inFeatures = 256
        let widths = [512, 320, 0, 8]
        var random = TestRandom(state: UInt64(rows))
        let x = random.array(rows * inFeatures)
        // Manually allocated so the group call can hold every weight and output pointer at once.
        let weights = widths.map { UnsafeMutablePointer<UInt16>.allocate(capacity: max(1, $0 * inFeatures)) }
        let single = widths.map { UnsafeMutablePointer<Float>.allocate(capacity: max(1, rows * $0)) }
        let grouped = widths.map { UnsafeMutablePointer<Float>.allocate(capacity: max(1, rows * $0)) }
        defer { (weights.map { UnsafeMutableRawPointer($0) } + (single + grouped).map { UnsafeMutableRawPointer($0) }).forEach { $0.deallocate() } }
        for (i, width) in widths.enumerated() {
            random.array(width * inFeatures).withUnsafeBufferPointer { BFloat16.round($0.baseAddress!, count: $0.count, into: weights[i]) }
            single[i].initialize(repeating: .nan, count: rows * width)
            grouped[i].initialize(repeating: .nan, count: rows * width)
        }
        try x.withUnsafeBufferPointer { xp in
            for (i, width) in widths.enumerated() where width > 0 {
                try Linear.applyBFloat16(xp.baseAddress!, rows: rows, inFeatures: inFeatures, weight: weights[i],
                                         outFeatures: width, into: single[i])
            }
            let products = widths.indices.map { BFloat16Product(weight: weights[$0], outFeatures: widths[$0], out: grouped[$0]) }
            try Linear.applyBFloat16(xp.baseAddress!, rows: rows, inFeatures: inFeatures, products: products)
        }
        for (i, width) in widths.enumerated() {
            let a = UnsafeBufferPointer(start: single[i], count: rows * width).map(\.bitPattern)
            let b = UnsafeBufferPointer(start: grouped[i], count: rows * width).map(\.bitPattern)
            #expect(a == b, "product \(i) (\(width) columns)")
            #expect(!UnsafeBufferPointer(start: grouped[i], count: rows * width).contains { $0.isNaN }, "every element written")
        }
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
