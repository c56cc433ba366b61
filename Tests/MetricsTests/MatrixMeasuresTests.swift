import Testing
@testable import Metrics

@Suite("Matrix-level measures against numpy")
struct MatrixMeasuresTests {
    @Test("singular values, effective rank and covariance PR match numpy")
    func matchNumpy() throws {
        for matrix in MetricsFixture.shared.matrices {
            try matrix.values.withUnsafeBufferPointer { x in
                for centered in [false, true] {
                    let sigma = try MatrixMeasures.singularValues(x, rows: matrix.rows, cols: matrix.cols,
                                                                  centered: centered)
                    let expected = centered ? matrix.singular_values_centered : matrix.singular_values
                    try #require(sigma.count == expected.count)
                    let scale = max(expected[0], 1e-300)
                    for (s, e) in zip(sigma, expected) {
                        // Each σ to 1e-9 relative, or to 1e-13·σ_max for the numerically-zero ones.
                        #expect(isClose(s, e, relative: 1e-9, absolute: 1e-13 * scale),
                                "\(matrix.name) centred=\(centered): \(s) vs \(e)")
                    }
                    let rank = try MatrixMeasures.effectiveRank(x, rows: matrix.rows, cols: matrix.cols,
                                                                centered: centered)
                    let expectedRank = centered ? matrix.effective_rank_centered : matrix.effective_rank
                    #expect(isClose(rank, expectedRank), "\(matrix.name) erank \(rank) vs \(expectedRank)")
                }
                let pr = try MatrixMeasures.covarianceParticipationRatio(x, rows: matrix.rows, cols: matrix.cols)
                #expect(isClose(pr, matrix.covariance_pr), "\(matrix.name) PR \(pr) vs \(matrix.covariance_pr)")
            }
        }
    }

    @Test("rank one gives effective rank 1; orthogonal equal-norm rows give their count")
    func extremes() throws {
        let u: [Float] = [1, -2, 3, 0.5, 4], v: [Float] = [2, 1, -1, 0.25]
        let outer = u.flatMap { a in v.map { a * $0 } }  // exact in Float
        let rankOne = try outer.withUnsafeBufferPointer { try MatrixMeasures.effectiveRank($0, rows: 5, cols: 4) }
        #expect(abs(rankOne - 1) < 1e-12)
        var identity = [Float](repeating: 0, count: 5 * 8)
        for i in 0..<5 { identity[i * 8 + (i * 3) % 8] = -2 }
        let full = try identity.withUnsafeBufferPointer { try MatrixMeasures.effectiveRank($0, rows: 5, cols: 8) }
        #expect(abs(full - 5) < 1e-12)
        #expect(MatrixMeasures.effectiveRank(singularValues: [0, 0]) == 0)
        #expect(MatrixMeasures.effectiveRank(singularValues: [3, 3, 3]) == 3.0000000000000004
            || abs(MatrixMeasures.effectiveRank(singularValues: [3, 3, 3]) - 3) < 1e-14)
    }

    @Test("degenerate matrices: documented zeros and typed errors")
    func degenerate() throws {
        func erank(_ x: [Float], _ rows: Int, _ cols: Int) throws -> Double {
            try x.withUnsafeBufferPointer { try MatrixMeasures.effectiveRank($0, rows: rows, cols: cols) }
        }
        func pr(_ x: [Float], _ rows: Int, _ cols: Int) throws -> Double {
            try x.withUnsafeBufferPointer { try MatrixMeasures.covarianceParticipationRatio($0, rows: rows, cols: cols) }
        }
        let zeros = [Float](repeating: 0, count: 6)
        #expect(try erank(zeros, 2, 3) == 0)
        #expect(try pr(zeros, 2, 3) == 0)
        #expect(try pr([1, 2, 3, 4, 5, 6], 1, 6) == 0)
        #expect(try pr([1, 2, 3, 1, 2, 3], 2, 3) == 0)
        #expect(throws: MetricsError.shapeMismatch(argument: "buffer", expected: 8, actual: 6)) {
            try erank(zeros, 4, 2)
        }
        #expect(throws: MetricsError.empty(argument: "buffer (rows = 0)")) { try erank([], 0, 3) }
        do {
            _ = try pr([1, 2, .nan, 4], 2, 2)
            Issue.record("NaN must throw")
        } catch let MetricsError.nonFinite(_, index, value) {
            #expect(index == 2 && value.isNaN)
        }
    }
}
