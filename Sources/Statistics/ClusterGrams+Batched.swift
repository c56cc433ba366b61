import CKernels

/// Eight bootstrap resamples at a time: the totals and the Cholesky solves of tests (c) and (d) run in C,
/// one resample per vector lane (CKernels' gram.c), with the bits of the one-at-a-time Swift versions
/// (`total`, `regressionCoefficients`, `partialCorrelation`), which a test checks bit for bit.
extension ClusterGrams {
    /// `regressionCoefficients(total(r), dimension: dimension)` for each of up to eight resamples `r`.
    func regressionCoefficients(resamples: ArraySlice<[Int]>) -> [[Double]?] {
        let p = dimension, k = p - 1
        guard k >= 1, let totals = laneTotals(resamples) else {
            return resamples.map { Self.regressionCoefficients(total($0), dimension: p) }
        }
        let (coefficients, solved) = Self.solve8(totals, dimension: p)
        return (0..<resamples.count).map { lane in
            solved[lane] != 0 ? Array(coefficients[(lane * k)..<(lane * k + k)]) : nil
        }
    }

    /// `partialCorrelation(total(r), dimension: dimension)` for each of up to eight resamples `r`.
    func partialCorrelations(resamples: ArraySlice<[Int]>) -> [Double?] {
        let p = dimension, q = p - 1, size = p * p
        guard p > 2, let totals = laneTotals(resamples) else {
            return resamples.map { Self.partialCorrelation(total($0), dimension: p) }
        }
        var subX = [Double](repeating: 0, count: 8 * q * q), subY = subX
        totals.withUnsafeBufferPointer { t in
            subX.withUnsafeMutableBufferPointer { x in
                subY.withUnsafeMutableBufferPointer { y in
                    for lane in 0..<8 {
                        let g = t.baseAddress! + lane * size
                        Self.covariateGram(g, dimension: p, first: 0, into: x.baseAddress! + lane * q * q)
                        Self.covariateGram(g, dimension: p, first: 1, into: y.baseAddress! + lane * q * q)
                    }
                }
            }
        }
        let (bx, solvedX) = Self.solve8(subX, dimension: q), (by, solvedY) = Self.solve8(subY, dimension: q)
        let k = q - 1
        return totals.withUnsafeBufferPointer { t in
            bx.withUnsafeBufferPointer { bx in
                by.withUnsafeBufferPointer { by in
                    (0..<resamples.count).map { lane -> Double? in
                        guard solvedX[lane] != 0, solvedY[lane] != 0 else { return nil }
                        return Self.finishPartialCorrelation(UnsafeBufferPointer(rebasing: t[(lane * size)..<(lane * size + size)]),
                                                             dimension: p,
                                                             UnsafeBufferPointer(rebasing: bx[(lane * k)..<(lane * k + k)]),
                                                             UnsafeBufferPointer(rebasing: by[(lane * k)..<(lane * k + k)]))
                    }
                }
            }
        }
    }

    /// The totals of up to eight resamples of one length, one p × p matrix per lane (lanes past the
    /// batch repeat its last resample); nil for an empty or over-long batch or unequal lengths.
    private func laneTotals(_ resamples: ArraySlice<[Int]>) -> [Double]? {
        guard let first = resamples.first, resamples.count <= 8 else { return nil }
        let n = first.count, size = dimension * dimension
        guard resamples.allSatisfy({ $0.count == n }) else { return nil }
        var clusters = [Int]()
        clusters.reserveCapacity(8 * n)
        for lane in 0..<8 { clusters.append(contentsOf: resamples[resamples.startIndex + min(lane, resamples.count - 1)]) }
        return [Double](unsafeUninitializedCapacity: 8 * size) { out, count in
            flat.withUnsafeBufferPointer { g in
                clusters.withUnsafeBufferPointer { c in
                    bl_gram_totals(g.baseAddress, size, c.baseAddress, n, 8, out.baseAddress)
                }
            }
            count = 8 * size
        }
    }

    /// CKernels' eight-lane Cholesky solve of eight consecutive p × p Grams: coefficients lane-major
    /// (lane j's at j·(p − 1)) and whether each lane's predictor block was positive definite.
    private static func solve8(_ grams: [Double], dimension p: Int) -> (coefficients: [Double], solved: [Int32]) {
        let k = p - 1
        var solved = [Int32](repeating: 0, count: 8)
        let coefficients = [Double](unsafeUninitializedCapacity: 8 * k) { out, count in
            withUnsafeTemporaryAllocation(of: Double.self, capacity: 8 * p * p + 8 * k * (k + 2)) { scratch in
                bl_gram_regressions8(grams, p, out.baseAddress, &solved, scratch.baseAddress)
            }
            count = 8 * k
        }
        return (coefficients, solved)
    }
}
