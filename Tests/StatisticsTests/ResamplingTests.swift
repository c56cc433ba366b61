import Foundation
import Testing
@testable import Statistics

/// Level coefficient of y ~ level + entropy with one fixed effect per drawn cluster copy.
private func feLevelCoefficient(_ clusters: [Int], y: [[Double]], level: [[Double]], entropy: [[Double]]) -> Double? {
    var ys: [Double] = [], ls: [Double] = [], es: [Double] = [], groups: [Int] = []
    for (copy, c) in clusters.enumerated() {
        ys += y[c]; ls += level[c]; es += entropy[c]; groups += Array(repeating: copy, count: y[c].count)
    }
    return (try? OrdinaryLeastSquares.fit(y: ys, covariates: [ls, es], names: ["level", "entropy"], fixedEffectGroups: groups))??
        .coefficients[0]
}

@Test func clusterBootstrapMatchesScipyOnIdenticalResamples() throws {
    let f = try loadFixture("resampling")
    var agreement = Agreement("cluster bootstrap (percentile, BCa)")
    for c in dictionaries(f["bootstrap"]) {
        let name = c["name"] as? String ?? "?"
        let method: BootstrapMethod = c["method"] as? String == "bca" ? .bca : .percentile
        let resamples = ((c["resamples"] as? [Any]) ?? []).map { ints($0) }
        let g = (c["cluster_count"] as? Int) ?? 0
        let statistic: ([Int]) -> Double?
        if c["statistic"] as? String == "mean_of_cluster_values" {
            let values = doubles(c["values"])
            statistic = { clusters in clusters.reduce(0.0) { $0 + values[$1] } / Double(clusters.count) }
        } else {
            let y = matrix(c["y"]), level = matrix(c["level"]), entropy = matrix(c["entropy"])
            statistic = { feLevelCoefficient($0, y: y, level: level, entropy: entropy) }
        }
        let interval = try #require(try ClusterBootstrap.interval(clusterCount: g, resamples: resamples,
                                                                  level: optionalDouble(c["level"]) ?? 0.9,
                                                                  method: method, statistic: statistic))
        #expect(interval.method == method, "\(name)")
        agreement.check(interval.estimate, optionalDouble(c["estimate"]), atol: 1e-14, "\(name) estimate")
        agreement.check(interval.low, optionalDouble(c["low"]), atol: 1e-14, "\(name) low")
        agreement.check(interval.high, optionalDouble(c["high"]), atol: 1e-14, "\(name) high")
    }
    agreement.report()
}

@Test func clusterGramsRefitEqualsOLS() throws {
    // The study's O(G) bootstrap refit (per-cluster Gram matrices) must equal a direct OLS fit.
    let f = try loadFixture("resampling")
    let c = try #require(dictionaries(f["bootstrap"]).first { $0["statistic"] as? String == "fe_level_coefficient" })
    let y = matrix(c["y"]), level = matrix(c["level"]), entropy = matrix(c["entropy"])
    let g = y.count, l = y[0].count
    let codes = (0..<g).flatMap { Array(repeating: $0, count: l) }
    let columns = [y.flatMap { $0 }, level.flatMap { $0 }, entropy.flatMap { $0 }].map {
        demeanWithinGroups($0, codes: codes, groupCount: g)
    }
    let grams = ClusterGrams(columns: columns, clusterCodes: codes, clusterCount: g)
    for resample in ((c["resamples"] as? [Any]) ?? []).prefix(20).map({ ints($0) }) {
        let viaGram = try #require(ClusterGrams.regressionCoefficients(grams.total(resample), dimension: 3)?[0])
        let direct = try #require(feLevelCoefficient(resample, y: y, level: level, entropy: entropy))
        #expect(abs(viaGram - direct) <= 1e-9 * max(1, abs(direct)))
    }
}

@Test func seededBootstrapIsDeterministicAndSane() throws {
    let values = (0..<25).map { Double(($0 * 37) % 11) / 10 }
    let statistic: ([Int]) -> Double? = { c in c.reduce(0.0) { $0 + values[$1] } / Double(c.count) }
    let a = try #require(try ClusterBootstrap.interval(clusterCount: 25, resampleCount: 500, seed: 7, statistic: statistic))
    let b = try #require(try ClusterBootstrap.interval(clusterCount: 25, resampleCount: 500, seed: 7, statistic: statistic))
    let other = try #require(try ClusterBootstrap.interval(clusterCount: 25, resampleCount: 500, seed: 8, statistic: statistic))
    #expect(a == b)
    #expect(a != other)
    #expect(a.low < a.estimate && a.estimate < a.high)
    #expect(a.method == .bca && a.usedResamples == 500)
    #expect(ClusterBootstrap.resampleIndices(clusterCount: 5, count: 3, seed: 1) ==
            ClusterBootstrap.resampleIndices(clusterCount: 5, count: 3, seed: 1))
}

@Test func bootstrapDegenerateCasesAreDefined() throws {
    // Constant statistic: percentile interval collapses, BCa falls back (z₀ finite, a = 0) without NaN.
    let constant = try #require(try ClusterBootstrap.interval(clusterCount: 6, resampleCount: 100, seed: 1) { _ in 0.25 })
    #expect(constant.low == 0.25 && constant.high == 0.25)
    #expect(!constant.low.isNaN && !constant.high.isNaN)
    // Undefined point estimate or a single cluster: no interval.
    #expect(try ClusterBootstrap.interval(clusterCount: 6, resampleCount: 10, seed: 1) { _ in nil } == nil)
    #expect(try ClusterBootstrap.interval(clusterCount: 1, resampleCount: 10, seed: 1) { _ in 1 } == nil)
    #expect(throws: StatisticsError.self) {
        try ClusterBootstrap.interval(clusterCount: 3, resamples: [[0, 1, 5]]) { _ in 1 }
    }
}

@Test func withinItemPermutationMatchesNumpy() throws {
    let f = try loadFixture("resampling")
    let c = dictionary(f["permutation"])
    let data = matrix(c["data"])
    let permutations = ((c["permutations"] as? [Any]) ?? []).map { matrix($0).map { $0.map { Int($0) } } }
    let statistic: ([[Double]]) -> Double? = { try? TrendEffect.meanWithinBlockKendallTau($0) }
    var agreement = Agreement("within-item permutation")
    agreement.check(statistic(data), optionalDouble(c["observed"]), atol: 1e-15, "observed")
    let null = doubles(c["null"])
    for (k, permutation) in permutations.enumerated().prefix(50) {
        let permuted = data.enumerated().map { b, row in permutation[b].map { row[$0] } }
        agreement.check(statistic(permuted), null[k], atol: 1e-15, "null[\(k)]")
    }
    for (key, alternative) in [("p_two_sided", Alternative.twoSided), ("p_less", .less), ("p_greater", .greater)] {
        let r = try #require(try PermutationTest.withinBlock(data: data, permutations: permutations, alternative: alternative,
                                                             statistic: statistic))
        agreement.check(r.pValue, optionalDouble(c[key]), key)
    }
    // The p-value rule itself against scipy.stats.permutation_test (exhaustive sign flips).
    let flip = dictionary(f["sign_flip"])
    agreement.check(PermutationTest.pValue(observed: optionalDouble(flip["observed"]) ?? .nan, null: doubles(flip["null"]),
                                           exhaustive: true),
                    optionalDouble(flip["p"]), "scipy permutation_test p")
    agreement.report()
    // Seeded path: deterministic, and permutations really permute within blocks.
    let a = try PermutationTest.withinBlock(data: data, count: 200, seed: 3, statistic: statistic)
    let b = try PermutationTest.withinBlock(data: data, count: 200, seed: 3, statistic: statistic)
    #expect(a == b)
    #expect(a?.exhaustive == false && a?.usedPermutations == 200)
}

@Test func multipleTestingMatchesReference() throws {
    let f = try loadFixture("multiple_testing")
    let p = doubles(f["p"]).map { Optional($0) }
    var agreement = Agreement("holm / benjamini-hochberg")
    for (a, e) in zip(MultipleTesting.holm(p), doubles(f["holm"])) { agreement.check(a, e, "holm") }
    for (a, e) in zip(MultipleTesting.benjaminiHochberg(p), doubles(f["bh"])) { agreement.check(a, e, "bh") }
    agreement.report()
    // nil entries stay nil and do not count in m.
    let withGaps = MultipleTesting.holm([0.01, nil, 0.04])
    #expect(withGaps[1] == nil && withGaps[0] == 0.02 && withGaps[2] == 0.04)
    #expect(MultipleTesting.benjaminiHochberg([]) .isEmpty)
}

@Test func batchedGramRegressionsHaveTheScalarBits() throws {
    // Tests (c) and (d) bootstrap eight resamples at once in C (one per vector lane); every coefficient and
    // partial correlation must have the bits of the scalar Swift computation, for designs of several widths, for resamples that make
    // the predictor block singular (nil in both), and for a batch shorter than eight.
    var state: UInt64 = 2026
    func uniform() -> Double {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Double(state >> 11) / Double(1 << 53) - 0.5
    }
    for p in [2, 3, 4, 7, 18] {
        let clusters = 12, rowsPerCluster = 5
        let codes = (0..<clusters).flatMap { Array(repeating: $0, count: rowsPerCluster) }
        var columns = (0..<p).map { _ in (0..<(clusters * rowsPerCluster)).map { _ in uniform() } }
        // Column p−1 is nonzero in cluster 0 only: resamples without cluster 0 are singular.
        if p >= 3 { columns[p - 1] = codes.map { $0 == 0 ? uniform() : 0 } }
        let grams = ClusterGrams(columns: columns, clusterCodes: codes, clusterCount: clusters)
        var resamples = ClusterBootstrap.resampleIndices(clusterCount: clusters, count: 21, seed: UInt64(p))
        resamples[3] = Array(repeating: 5, count: clusters)  // no cluster 0
        resamples[4] = Array(repeating: 0, count: clusters)
        var singular = 0
        for start in stride(from: 0, to: resamples.count, by: 8) {
            let batch = resamples[start..<min(start + 8, resamples.count)]
            let batched = grams.regressionCoefficients(resamples: batch)
            #expect(batched.count == batch.count)
            let correlations = grams.partialCorrelations(resamples: batch)
            for (resample, got) in zip(batch, correlations) {
                let expected = ClusterGrams.partialCorrelation(grams.total(resample), dimension: p)
                #expect(got?.bitPattern == expected?.bitPattern, "p = \(p)")
            }
            for (resample, got) in zip(batch, batched) {
                let expected = ClusterGrams.regressionCoefficients(grams.total(resample), dimension: p)
                #expect((got == nil) == (expected == nil), "p = \(p)")
                if expected == nil { singular += 1 }
                if let got, let expected {
                    #expect(got.map(\.bitPattern) == expected.map(\.bitPattern), "p = \(p)")
                }
            }
        }
        if p >= 3 { #expect(singular >= 1, "p = \(p): the singular resample must be among them") }
    }
}
