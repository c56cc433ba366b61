import Foundation
import Testing
@testable import Metrics

@Suite("Reference statistics, outlier rule and the streaming reducer")
struct ReferenceAndReducerTests {
    let reference = MetricsFixture.shared.reference

    func referenceStatistics() throws -> ReferenceStatistics {
        var statistics = try ReferenceStatistics(dimension: reference.cols)
        try reference.values.withUnsafeBufferPointer {
            try statistics.add($0, rows: reference.rows, cols: reference.cols)
        }
        return statistics
    }

    @Test("per-dimension moments match numpy to 1e-9 relative")
    func momentsMatchNumpy() throws {
        let statistics = try referenceStatistics()
        #expect(statistics.count == reference.rows)
        let std = statistics.standardDeviation
        for i in 0..<reference.cols {
            #expect(isClose(statistics.mean[i], reference.mean[i]), "mean[\(i)]")
            #expect(isClose(std[i], reference.std[i]), "std[\(i)] \(std[i]) vs \(reference.std[i])")
            #expect(isClose(statistics.meanAbsolute[i], reference.mean_abs[i]), "mean|h|[\(i)]")
            #expect(statistics.minimum[i] == reference.min[i] && statistics.maximum[i] == reference.max[i])
        }
        // The constant reference dimension has σ exactly 0 and is left out of the z-scores.
        #expect(std[99] == 0)
        #expect(try !statistics.profile().zScoredDimensions.contains(99))
    }

    @Test("adding row by row, in chunks, or merging gives the same moments")
    func streamingIsSplitInvariant() throws {
        let whole = try referenceStatistics()
        var rowByRow = try ReferenceStatistics(dimension: reference.cols)
        var first = try ReferenceStatistics(dimension: reference.cols)
        var second = try ReferenceStatistics(dimension: reference.cols)
        for r in 0..<reference.rows {
            let row = Array(reference.values[(r * reference.cols)..<((r + 1) * reference.cols)])
            try rowByRow.add(row)
            if r < 23 { try first.add(row) } else { try second.add(row) }
        }
        #expect(rowByRow == whole)
        try first.merge(second)
        #expect(first.count == whole.count)
        for i in 0..<reference.cols {
            #expect(isClose(first.mean[i], whole.mean[i], relative: 1e-12, absolute: 1e-12))
            #expect(isClose(first.sumSquaredDeviations[i], whole.sumSquaredDeviations[i], relative: 1e-12))
            #expect(isClose(first.meanAbsolute[i], whole.meanAbsolute[i], relative: 1e-12))
            #expect(first.minimum[i] == whole.minimum[i] && first.maximum[i] == whole.maximum[i])
        }
    }

    @Test("outlier rule corner cases match the numpy implementation")
    func outlierRule() throws {
        for ruleCase in reference.rule_cases {
            let rule = try OutlierRule(factor: ruleCase.factor, maximumFraction: ruleCase.fraction)
            #expect(rule.outlierDimensions(meanAbsolute: ruleCase.mean_abs) == ruleCase.expected,
                    "\(ruleCase.mean_abs.count) dims, factor \(ruleCase.factor)")
        }
        #expect(OutlierRule.none.outlierDimensions(meanAbsolute: [1, 1, 1, 1000]) == [])
        #expect(OutlierRule.default.maximumCount(dimension: 2048) == 20)
        #expect(OutlierRule.default.maximumCount(dimension: 50) == 1)
        #expect(OutlierRule.default.maximumCount(dimension: 1) == 0)
        #expect(throws: MetricsError.self) { try OutlierRule(factor: 0.5, maximumFraction: 0.1) }
        #expect(throws: MetricsError.self) { try OutlierRule(factor: 10, maximumFraction: 1.5) }
        #expect(throws: MetricsError.self) { try OutlierRule(factor: .nan, maximumFraction: 0.1) }
    }

    @Test("profile validation and Codable round trip")
    func profile() throws {
        let profile = try referenceStatistics().profile()
        let decoded = try JSONDecoder().decode(ReferenceProfile.self, from: JSONEncoder().encode(profile))
        #expect(decoded == profile)
        #expect(profile.keptDimensions.count + profile.outlierDimensions.count == reference.cols)
        #expect(throws: MetricsError.self) {
            try ReferenceProfile(mean: [0, 0], standardDeviation: [1], outlierDimensions: [], referenceCount: 1,
                                 rule: .default)
        }
        #expect(throws: MetricsError.self) {
            try ReferenceProfile(mean: [0, 0], standardDeviation: [1, 1], outlierDimensions: [0, 1],
                                 referenceCount: 1, rule: .default)
        }
        #expect(throws: MetricsError.self) {
            try ReferenceProfile(mean: [0, 0], standardDeviation: [1, -1], outlierDimensions: [],
                                 referenceCount: 1, rule: .default)
        }
        #expect(throws: MetricsError.empty(argument: "reference statistics")) {
            try ReferenceStatistics(dimension: 3).profile()
        }
    }

    @Test("reducer rows equal one-at-a-time measurement; running moments equal a batch accumulation")
    func reducerEqualsBatch() throws {
        let profile = try referenceStatistics().profile()
        var random = SplitMix64(state: 9)
        let rows = 17, cols = reference.cols
        let buffer: [Float] = (0..<(rows * cols)).map { i in
            Float(random.uniform() * 3 - 1.5) + (i % cols == 11 ? 900 : 0)
        }
        var reducer = try SparsityReducer(dimension: cols, reference: profile)
        let firstRows = try buffer.withUnsafeBufferPointer {
            try reducer.consume(UnsafeBufferPointer(rebasing: $0[0..<(5 * cols)]), rows: 5, cols: cols)
        }
        var measured = firstRows
        for r in 5..<rows {
            measured.append(try reducer.consume(Array(buffer[(r * cols)..<((r + 1) * cols)])))
        }
        #expect(measured.count == rows && reducer.count == rows)
        var batch = try ReferenceStatistics(dimension: cols)
        var sums = [Double](repeating: 0, count: SparsityMeasure.allCases.count)
        for r in 0..<rows {
            let vector = Array(buffer[(r * cols)..<((r + 1) * cols)])
            let single = try SparsityRow(measuring: vector, reference: profile)
            #expect(measured[r] == single)
            #expect(single.withoutOutliers != nil && single.zScored != nil)
            #expect(single.withoutOutliers!.dimension == cols - profile.outlierDimensions.count)
            #expect(single.raw == (try SparsityValues(measuring: vector)))
            try batch.add(vector)
            for (i, m) in SparsityMeasure.allCases.enumerated() { sums[i] += single.raw[m] }
        }
        #expect(reducer.moments == batch)
        for (i, mean) in reducer.rawMeasureMeans.enumerated() { #expect(mean == sums[i] / Double(rows)) }
        // Removing the massive dimension makes the vector much denser.
        #expect(measured[0].withoutOutliers!.hoyer < measured[0].raw.hoyer)
        #expect(measured[0].value(.hoyer, .zScored) == measured[0].zScored!.hoyer)
    }

    @Test("a reducer restricted to some measures gives those measures' exact bits and NaN for the rest",
          arguments: [
              [SparsityMeasure.hoyer, .gini, .top5Energy, .participationRatio],   // the study's default
              [.hoyer, .participationRatio, .excessKurtosis, .l2Norm],            // no sort at all
              [.energyEffectiveDimension], [.nearZeroFraction, .top1Energy], [.gini, .l2Norm],
          ])
    func measureSubsetsAreExact(measures: [SparsityMeasure]) throws {
        let profile = try referenceStatistics().profile()
        var random = SplitMix64(state: 21)
        let cols = reference.cols
        // Rows of several kinds: dense, heavy-tailed, with a massive dimension, all zero, one spike.
        var buffer: [Float] = []
        for kind in 0..<5 {
            for c in 0..<cols {
                let u = Float(random.uniform() * 2 - 1)
                switch kind {
                case 0: buffer.append(u)
                case 1: buffer.append(u * u * u * 40)
                case 2: buffer.append(u + (c == 11 ? 900 : 0))
                case 3: buffer.append(0)
                default: buffer.append(c == 7 ? -3 : 0)
                }
            }
        }
        let rows = buffer.count / cols
        var everything = try SparsityReducer(dimension: cols, reference: profile)
        var some = try SparsityReducer(dimension: cols, reference: profile, measures: Set(measures))
        let all = try buffer.withUnsafeBufferPointer { try everything.consume($0, rows: rows, cols: cols, threads: 2) }
        let subset = try buffer.withUnsafeBufferPointer { try some.consume($0, rows: rows, cols: cols, threads: 2) }
        for r in 0..<rows {
            for variant in SparsityVariant.allCases {
                for measure in SparsityMeasure.allCases {
                    let full = try #require(all[r].value(measure, variant))
                    let part = try #require(subset[r].value(measure, variant))
                    if measures.contains(measure) {
                        #expect(part.bitPattern == full.bitPattern, "row \(r) \(variant) \(measure): \(part) vs \(full)")
                    } else {
                        #expect(part.isNaN, "row \(r) \(variant) \(measure) should not be computed")
                    }
                }
            }
        }
        #expect(some.moments == everything.moments)
        // The one-vector path restricts the same way.
        let single = try some.consume(Array(buffer[0..<cols]))
        for measure in SparsityMeasure.allCases {
            #expect(measures.contains(measure) ? single.raw[measure] == all[0].raw[measure] : single.raw[measure].isNaN)
        }
    }

    @Test("reducer rejects bad buffers and leaves its state unchanged")
    func reducerErrors() throws {
        var reducer = try SparsityReducer(dimension: 4)
        #expect(throws: MetricsError.shapeMismatch(argument: "cols", expected: 4, actual: 3)) {
            try [Float](repeating: 1, count: 6).withUnsafeBufferPointer { try reducer.consume($0, rows: 2, cols: 3) }
        }
        #expect(throws: MetricsError.shapeMismatch(argument: "buffer", expected: 8, actual: 7)) {
            try [Float](repeating: 1, count: 7).withUnsafeBufferPointer { try reducer.consume($0, rows: 2, cols: 4) }
        }
        #expect(throws: MetricsError.nonFinite(argument: "buffer", index: 6, value: .infinity)) {
            try [1, 2, 3, 4, 5, 6, .infinity, 8].withUnsafeBufferPointer { try reducer.consume($0, rows: 2, cols: 4) }
        }
        #expect(reducer.count == 0)
        let none = try [Float]().withUnsafeBufferPointer { try reducer.consume($0, rows: 0, cols: 4) }
        #expect(none.isEmpty && reducer.count == 0)
        let row = try reducer.consume([1, 0, 0, 0])
        #expect(row.withoutOutliers == nil && row.zScored == nil && row.raw.hoyer == 1)
        #expect(throws: MetricsError.self) { try SparsityReducer(dimension: 0) }
        let profile = try ReferenceProfile(mean: [0, 0], standardDeviation: [1, 1], outlierDimensions: [],
                                           referenceCount: 1, rule: .none)
        #expect(throws: MetricsError.shapeMismatch(argument: "reference.dimension", expected: 3, actual: 2)) {
            try SparsityReducer(dimension: 3, reference: profile)
        }
        // No outlier dimensions → the outlier-removed variant equals raw; σ = 1, μ = 0 → z equals raw.
        let plain = try SparsityRow(measuring: [3, -1], reference: profile)
        #expect(plain.withoutOutliers == plain.raw && plain.zScored == plain.raw)
    }
}

@Suite("Row flattening for export")
struct RowFlatteningTests {
    @Test("column names and values line up, missing variants give nil")
    func flatten() throws {
        let profile = try ReferenceProfile(mean: [0, 1, 0], standardDeviation: [1, 2, 0], outlierDimensions: [1],
                                           referenceCount: 3, rule: .default)
        let row = try SparsityRow(measuring: [1, 5, -2], reference: profile)
        let names = SparsityRow.columnNames()
        let values = try #require(row.orderedValues())
        #expect(names.count == 30 && values.count == 30)
        #expect(names[0] == "hoyer" && names[10] == "hoyer_no_outliers" && names[29] == "l2_norm_z")
        #expect(values[10] == row.withoutOutliers!.hoyer)
        #expect(row.withoutOutliers!.dimension == 2 && row.zScored!.dimension == 2)
        // z over dims 0 and 1 (σ₂ = 0 is skipped): (1 − 0)/1 = 1, (5 − 1)/2 = 2 → L2 = √5.
        #expect(values[29] == 5.0.squareRoot())
        let rawOnly = try SparsityRow(measuring: [1, 5, -2], reference: nil)
        #expect(rawOnly.orderedValues() == nil)
        #expect(rawOnly.orderedValues(for: [.raw]) == rawOnly.raw.orderedValues)
    }
}
