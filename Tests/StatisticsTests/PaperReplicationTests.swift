import Testing
@testable import Statistics

@Suite("Sparsity paper replication verdicts")
struct PaperReplicationTests {
    /// 8 base items × 3 levels; `value(level, base)`.
    func analyse(sign: Int, _ value: (Int, Int) -> Double) throws -> PaperReplication.Row {
        var levels: [Int] = [], clusters: [Int] = [], values: [Double] = []
        for l in 0..<3 { for b in 0..<8 { levels.append(l); clusters.append(b); values.append(value(l, b)) } }
        return try PaperReplication.analyse(levels: levels, clusters: clusters, values: values, expectedSign: sign,
                                            resamples: 500, seed: 11)
    }

    @Test("a clear rise replicates a 'rises' claim, contradicts a 'falls' claim, and is no claim without a sign")
    func verdicts() throws {
        let rise = { (l: Int, b: Int) in Double(l) + 0.1 * Double(b % 3) }
        #expect(try analyse(sign: 1, rise).verdict == .replicated)
        #expect(try analyse(sign: -1, rise).verdict == .opposite)
        #expect(try analyse(sign: 0, rise).verdict == .noClaim)
        // A constant metric has no ρ: not replicated, never a verdict with a CI.
        let flat = try analyse(sign: 1) { _, _ in 2 }
        #expect(flat.verdict == .notReplicated && flat.itemSpearman == nil)
    }

    @Test("level means, standard errors, the paper's level-mean r and the paired endpoint difference")
    func descriptive() throws {
        let row = try analyse(sign: 1) { l, b in Double(l * l) + Double(b) }
        #expect(row.items == 24 && row.baseItems == 8)
        #expect(row.levelMeans == [3.5, 4.5, 7.5])
        // sd of 0…7 with Bessel's correction = √6, SE = √6/√8.
        #expect(abs(row.levelStandardErrors[0]! - (6.0 / 8).squareRoot()) < 1e-12)
        // Pearson of (0, 1, 2) with (3.5, 4.5, 7.5), as scipy.stats.pearsonr gives 0.9607689228305227.
        #expect(abs(row.levelMeansPearson! - 0.9607689228305227) < 1e-12)
        #expect(row.endpointDifference?.estimate == 4)
        #expect(row.endpointDifference?.low == 4 && row.endpointDifference?.high == 4)
    }

    @Test("bad input is refused")
    func badInput() {
        #expect(throws: StatisticsError.self) {
            try PaperReplication.analyse(levels: [0, 1], clusters: [0], values: [1, 2], expectedSign: 1, resamples: 10, seed: 0)
        }
        #expect(throws: StatisticsError.self) {
            try PaperReplication.analyse(levels: [0, 1], clusters: [0, 0], values: [1, .nan], expectedSign: 1, resamples: 10, seed: 0)
        }
    }
}
