import CKernels
import Foundation
import Testing
@testable import Kernels

/// The per-row attention kernel (`bl_attend_row`, what `Attention` runs for short or narrow key ranges): it
/// must give the bits of the separate dot, softmax and axpy kernels applied key by key, and its flush of
/// denormal weights and terms must stay inside the call.
@Suite("Attention row kernel")
struct AttentionRowTests {
    /// One row the old way: bl_dot per key, bl_softmax_range, then bl_axpy per key into a zeroed row.
    static func composed(_ q: [Float], _ keys: [Float], _ values: [Float], kvStride: Int, lo: Int, hi: Int,
                         headDim: Int, scale: Float) -> [Float] {
        var weights = [Float](repeating: 0, count: hi)
        var out = [Float](repeating: 0, count: headDim)
        keys.withUnsafeBufferPointer { k in
            for j in lo..<hi { weights[j] = bl_dot(q, k.baseAddress! + j * kvStride, headDim) * scale }
        }
        weights.withUnsafeMutableBufferPointer { w in bl_softmax_range(w.baseAddress! + lo, 0, hi - lo, hi - lo) }
        values.withUnsafeBufferPointer { v in
            for j in lo..<hi { bl_axpy(weights[j], v.baseAddress! + j * kvStride, &out, headDim) }
        }
        return out
    }

    static func fused(_ q: [Float], _ keys: [Float], _ values: [Float], kvStride: Int, lo: Int, hi: Int,
                      headDim: Int, scale: Float) -> [Float] {
        var weights = [Float](repeating: .nan, count: hi)
        var out = [Float](repeating: .nan, count: headDim)
        bl_attend_row(q, keys, values, kvStride, lo, hi, headDim, scale, &weights, &out)
        return out
    }

    @Test("equals dot, softmax and axpy key by key, bit for bit",
          arguments: [64, 128, 48, 96, 17, 8, 1])
    func matchesComposition(headDim: Int) {
        var random = TestRandom(state: UInt64(headDim) &* 977)
        let keyRows = 300, kvStride = 3 * headDim + 5   // a head inside a wider row, odd stride
        let keys = random.array(keyRows * kvStride), values = random.array(keyRows * kvStride)
        let q = random.array(headDim).map { $0 * 4 }   // sharper than uniform, still far from denormal weights
        let scale = 1 / Float(headDim).squareRoot()
        for (lo, hi) in [(0, 1), (0, 2), (3, 40), (0, 300), (299, 300), (17, 161)] {
            let a = Self.composed(q, keys, values, kvStride: kvStride, lo: lo, hi: hi, headDim: headDim, scale: scale)
            let b = Self.fused(q, keys, values, kvStride: kvStride, lo: lo, hi: hi, headDim: headDim, scale: scale)
            #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "headDim \(headDim), keys \(lo)..<\(hi)")
        }
    }

    @Test("a peaked softmax gives no denormal weight and the winners' mean; the flush ends with the call")
    func denormalsFlushedInsideOnly() {
        let headDim = 64, keyRows = 200
        var random = TestRandom(state: 42)
        var keys = [Float](repeating: -1, count: keyRows * headDim)
        // Keys 7 and 9 win by 2·headDim·10/8 = 160 in the score: the others' exp clamps to 2⁻¹²⁶, and halving
        // that (two winners, Σ = 2) is denormal unless flushed.
        for d in 0..<headDim { keys[7 * headDim + d] = 1; keys[9 * headDim + d] = 1 }
        let values = random.array(keyRows * headDim).map { $0 + 2 }   // in [1, 3): the sum is dominated by keys 7, 9
        let q = [Float](repeating: 10, count: headDim)
        var weights = [Float](repeating: .nan, count: keyRows)
        var out = [Float](repeating: .nan, count: headDim)
        bl_attend_row(q, keys, values, headDim, 0, keyRows, headDim, 1 / 8, &weights, &out)
        #expect(weights.allSatisfy { $0 == 0 || $0 >= Float.leastNormalMagnitude }, "no denormal weight")
        #expect(weights[7] == 0.5 && weights[9] == 0.5)
        #expect(out == (0..<headDim).map { 0.5 * values[7 * headDim + $0] + 0.5 * values[9 * headDim + $0] })
        #expect(out == Self.composed(q, keys, values, kvStride: headDim, lo: 0, hi: keyRows, headDim: headDim, scale: 1 / 8))
        // The caller's floating-point mode is restored: a denormal result still comes out denormal here.
        let half = weights[7]   // 0.5, not a constant the compiler could fold
        let tiny = Float.leastNormalMagnitude * half
        #expect(tiny.isSubnormal && tiny > 0)
    }

    @Test("softmax over a range: the maximum is exact (sixteen-lane part and scalar tail agree with a plain maximum)",
          arguments: [1, 5, 15, 16, 17, 40, 64, 100])
    func softmaxMaximumIsExact(count: Int) {
        var random = TestRandom(state: UInt64(count) &* 31)
        let scores = random.array(count).map { $0 * 30 }
        for peak in [0, count / 2, count - 1] {
            var row = scores
            row[peak] = 100   // the maximum: its weight is exp(0)/Σ, so any other maximum changes the bits
            var weights = row
            bl_softmax_range(&weights, 0, count, count)
            let total = row.map { Double(exp(Float($0 - 100))) }.reduce(0, +)
            #expect(abs(Double(weights[peak]) - 1 / total) < 1e-6 * (1 / total), "peak \(peak) of \(count)")
            // Shifted inside a wider row (other lanes and a scalar tail): the same bits over the range.
            var wide = [Float](repeating: 500, count: 3) + row + [Float](repeating: 500, count: 2)
            bl_softmax_range(&wide, 3, 3 + count, wide.count)
            #expect(Array(wide[3..<(3 + count)]).map(\.bitPattern) == weights.map(\.bitPattern))
            #expect(wide[0] == 0 && wide[wide.count - 1] == 0)
        }
    }
}
