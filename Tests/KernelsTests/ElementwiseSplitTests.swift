import CKernels
import Testing
@testable import Kernels

/// RMSNorm and SwiGLU split over the compute threads (`ElementwiseSplit`) must give the bits of one call
/// over everything on the calling thread.
@Suite("Element-wise kernels split over threads")
struct ElementwiseSplitTests {
    /// Gates over the whole float range that matters: saturating exp, ±0, subnormals, infinities, NaN.
    static func gates(_ count: Int, seed: UInt64) -> [Float] {
        var random = TestRandom(state: seed)
        let specials: [Float] = [0, -0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude / 3, 88.7, -88.7, 104, -104,
                                 .infinity, -.infinity, .nan, .greatestFiniteMagnitude, -.greatestFiniteMagnitude]
        return (0..<count).map { i in i % 97 < specials.count ? specials[i % 97] : random.next() * 120 }
    }

    @Test("chunks tile the range, starts on alignment multiples",
          arguments: [(1, 256, 2), (255, 256, 2), (256, 256, 2), (32_768, 256, 2), (32_769, 256, 2),
                      (197_376, 768, 2), (1_000_003, 256, 3), (40_000, 1, 4)])
    func chunksTile(count: Int, alignment: Int, workers: Int) {
        let chunks = ElementwiseSplit.chunkCount(count: count, alignment: alignment, workers: workers)
        #expect(chunks >= 1 && chunks <= 2 * workers)
        var next = 0
        for c in 0..<chunks {
            let (start, end) = ElementwiseSplit.bounds(c, of: chunks, count: count, alignment: alignment)
            #expect(start == next, "chunk \(c) starts at \(start), expected \(next)")
            #expect(start % alignment == 0 || start == count)
            #expect(end >= start)
            next = end
        }
        #expect(next == count)
    }

    @Test("SwiGLU split equals one call, bit for bit",
          arguments: [ElementwiseSplit.threshold - 1, ElementwiseSplit.threshold, ElementwiseSplit.threshold + 17,
                      257 * 768, 3 * ElementwiseSplit.threshold + 255])
    func swigluSplit(count: Int) {
        var upRandom = TestRandom(state: 7)
        let gate = Self.gates(count, seed: UInt64(count)), up = upRandom.array(count)
        var whole = [Float](repeating: .nan, count: count)
        bl_swiglu(gate, up, count, &whole)
        var split = [Float](repeating: .nan, count: count)
        gate.withUnsafeBufferPointer { g in
            up.withUnsafeBufferPointer { u in
                split.withUnsafeMutableBufferPointer { o in
                    SwiGLU.apply(gate: g.baseAddress!, up: u.baseAddress!, count: count, into: o.baseAddress!)
                }
            }
        }
        let differing = (0..<count).filter { whole[$0].bitPattern != split[$0].bitPattern }
        #expect(differing.isEmpty, "\(differing.count) of \(count) elements differ, first at \(differing.first ?? -1)")
    }

    @Test("RMSNorm split into row bands equals one call, bit for bit",
          arguments: [(128, 255), (257, 256), (1_001, 192), (60, 512), (3, 40_000)])
    func rmsnormSplit(rows: Int, columns: Int) {
        var random = TestRandom(state: UInt64(rows * columns))
        let x = random.array(rows * columns).map { $0 * 3 }, w = random.array(columns)
        var whole = [Float](repeating: .nan, count: x.count)
        bl_rmsnorm(x, rows, columns, w, 1e-5, &whole)
        let split = RMSNorm.apply(x, columns: columns, weight: w, eps: 1e-5)
        let differing = (0..<x.count).filter { whole[$0].bitPattern != split[$0].bitPattern }
        #expect(differing.isEmpty, "\(differing.count) of \(x.count) elements differ")
        #expect(RMSNorm.apply([], columns: columns, weight: w, eps: 1e-5).isEmpty)
    }
}
