import Testing
@testable import Metrics

/// The row kernel's outlier-removed variant takes the row's sorted magnitudes minus the left-out
/// dimensions' (when at most `BL_SPARSITY_REUSE_EXCLUDED` are left out) instead of sorting again, and a
/// measure mask skips the top-k shares and the kurtosis pass it does not ask for. Both must leave every
/// stored bit as it was: each row's variants equal measuring the kept vector on its own.
@Suite("Outlier-removed variant from the row's sorted magnitudes, and masked measures")
struct OutlierVariantReuseTests {
    /// A profile with the given outlier dimensions and unit moments (z-scores are the values themselves).
    private func profile(dimension d: Int, outliers: [Int]) throws -> ReferenceProfile {
        try ReferenceProfile(mean: Array(repeating: 0, count: d), standardDeviation: Array(repeating: 1, count: d),
                             outlierDimensions: outliers, referenceCount: 1, rule: .default)
    }

    /// Outlier sets that reuse (1, 2, 32 left out) and that sort as before (33 and d/2 left out).
    private func outlierSets(_ d: Int) -> [[Int]] {
        var sets: [[Int]] = [[d / 3], [0, d - 1]]
        if d > 40 { sets += [Array(stride(from: 1, to: d, by: d / 32).prefix(32)), Array(0..<33), Array(0..<(d / 2))] }
        return sets
    }

    static let masks: [Set<SparsityMeasure>] = [
        Set(SparsityMeasure.allCases),
        [.hoyer, .gini, .top5Energy, .participationRatio],   // the default study's four
        [.top1Energy], [.gini, .nearZeroFraction], [.hoyer, .participationRatio], [.excessKurtosis],
    ]

    @Test("every variant equals the kept / z-scored vector measured alone, bit for bit",
          arguments: [16, 129, 256, 512, 513, 704, 768, 1536])
    func reuseIsExact(d: Int) throws {
        for shape in Shape.allCases {
            for outliers in outlierSets(d) {
                let reference = try profile(dimension: d, outliers: outliers)
                let rows = 3
                var buffer = (0..<rows).flatMap { shape.vector(d, seed: UInt64(d * 7 + $0)) }
                // Left-out entries tied with kept ones, in both directions of sign.
                if shape == .gaussian, outliers.count >= 2 {
                    buffer[outliers[0]] = buffer[reference.keptDimensions[0]]
                    buffer[outliers[1]] = -buffer[reference.keptDimensions[0]]
                }
                for measures in Self.masks {
                    let measured = try buffer.withUnsafeBufferPointer {
                        try SparsityReducer.measure($0, rows: rows, cols: d, reference: reference, measures: measures,
                                                    threads: 2)
                    }
                    for r in 0..<rows {
                        let row = Array(buffer[(r * d)..<((r + 1) * d)])
                        let raw = try SparsityValues(measuring: row)
                        let kept = try SparsityValues(measuring: reference.keptDimensions.map { row[$0] })
                        for measure in SparsityMeasure.allCases {
                            func same(_ got: Double?, _ want: Double) -> Bool {
                                guard let got else { return false }
                                return measures.contains(measure) ? got.bitPattern == want.bitPattern : got.isNaN
                            }
                            #expect(same(measured[r].raw[measure], raw[measure]), "\(shape) d=\(d) \(measure) raw")
                            #expect(same(measured[r].withoutOutliers?[measure], kept[measure]),
                                    "\(shape) d=\(d) outliers=\(outliers.count) \(measure) kept")
                            // z-scores with μ = 0, σ = 1 are the widened values: the Double kernel equals the float one.
                            #expect(same(measured[r].zScored?[measure], raw[measure]), "\(shape) d=\(d) \(measure) z")
                        }
                    }
                }
            }
        }
    }

    @Test("measure gives consume's rows and errors without touching a reducer")
    func measureEqualsConsume() throws {
        let cols = 300, rows = 17
        let buffer = (0..<rows).flatMap { Shape.massiveActivation.vector(cols, seed: UInt64(40 + $0)) }
        let reference = try profile(dimension: cols, outliers: [3, 100, 299])
        var reducer = try SparsityReducer(dimension: cols, reference: reference)
        let consumed = try buffer.withUnsafeBufferPointer { try reducer.consume($0, rows: rows, cols: cols) }
        let measured = try buffer.withUnsafeBufferPointer {
            try SparsityReducer.measure($0, rows: rows, cols: cols, reference: reference)
        }
        #expect(consumed == measured)
        var bad = buffer
        bad[cols + 5] = .nan
        do {
            _ = try bad.withUnsafeBufferPointer { try SparsityReducer.measure($0, rows: rows, cols: cols) }
            Issue.record("no error for a NaN")
        } catch MetricsError.nonFinite(_, let index, _) {
            #expect(index == cols + 5)
        }
        #expect(throws: MetricsError.self) {   // rows · cols ≠ count
            _ = try buffer.withUnsafeBufferPointer { try SparsityReducer.measure($0, rows: rows, cols: cols + 1) }
        }
        #expect(throws: MetricsError.self) {   // the reference's dimension differs
            let small = try profile(dimension: 7, outliers: [])
            _ = try buffer.withUnsafeBufferPointer { try SparsityReducer.measure($0, rows: rows, cols: cols, reference: small) }
        }
        #expect(throws: MetricsError.self) {   // rows · cols overflows
            _ = try buffer.withUnsafeBufferPointer { try SparsityReducer.measure($0, rows: Int.max, cols: 2) }
        }
        #expect(try [Float]().withUnsafeBufferPointer { try SparsityReducer.measure($0, rows: 0, cols: 4) }.isEmpty)
    }
}
