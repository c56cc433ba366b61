import Testing
@testable import Kernels

@Suite("Row sparsity (vectorised reducer)")
struct RowSparsityTests {
    @Test("one-hot, constant, zero and mixed rows give the closed-form values")
    func closedForms() {
        let d = 37  // not a multiple of any SIMD width: exercises the loop tails
        var x = [Float](repeating: 0, count: 4 * d)
        x[3] = -2                                          // row 0: one non-zero
        for c in 0..<d { x[d + c] = c % 2 == 0 ? 0.5 : -0.5 }  // row 1: constant magnitude
        // row 2: all zero
        for c in 0..<d { x[3 * d + c] = Float(c) * 0.01 }  // row 3: ramp
        let rows = x.withUnsafeBufferPointer { RowSparsity.measure($0.baseAddress!, rows: 4, columns: d) }
        #expect(rows[0] == RowSparsity(hoyer: 1, top1Energy: 1, nearZeroFraction: Float(d - 1) / Float(d), l2Norm: 2))
        #expect(abs(rows[1].hoyer) < 1e-6 && abs(rows[1].top1Energy - 1 / Float(d)) < 1e-7)
        #expect(rows[2] == RowSparsity(hoyer: 0, top1Energy: 0, nearZeroFraction: 1, l2Norm: 0))
        // Ramp: compare with a straightforward Double computation.
        let ramp = (0..<d).map { Double($0) * 0.01 }
        let l1 = ramp.reduce(0, +), l2 = ramp.map { $0 * $0 }.reduce(0, +).squareRoot()
        let hoyer = ((Double(d).squareRoot() - l1 / l2) / (Double(d).squareRoot() - 1))
        #expect(abs(Double(rows[3].hoyer) - hoyer) < 1e-5)
        #expect(abs(Double(rows[3].l2Norm) - l2) < 1e-5)
        #expect(rows[3].nearZeroFraction == 1 / Float(d))  // only the 0 entry is ≤ 1e-3
        #expect(abs(Double(rows[3].top1Energy) - (0.36 * 0.36) / (l2 * l2)) < 1e-6)
    }

    @Test("NaN in a row makes that row's measures NaN and leaves others alone")
    func nanRow() {
        var x = [Float](repeating: 1, count: 2 * 8)
        x[2] = .nan
        let rows = x.withUnsafeBufferPointer { RowSparsity.measure($0.baseAddress!, rows: 2, columns: 8) }
        #expect(rows[0].l2Norm.isNaN && rows[0].hoyer.isNaN)
        #expect(rows[1].hoyer == 0 && rows[1].l2Norm == Float(8).squareRoot())
    }
}
