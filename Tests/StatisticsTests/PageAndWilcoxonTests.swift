import Testing
@testable import Statistics

@Test func pageTrendTestMatchesScipy() throws {
    let f = try loadFixture("page")
    var agreement = Agreement("page_trend_test")
    for c in dictionaries(f["cases"]) {
        let name = c["name"] as? String ?? "?"
        let result = try PageTrendTest.test(matrix(c["data"]))
        if c["defined"] as? Bool != true {
            #expect(result == nil, "\(name)")
            continue
        }
        let r = try #require(result, "\(name)")
        agreement.check(r.statistic, optionalDouble(c["statistic"]), "\(name) L")
        agreement.check(r.pValue, optionalDouble(c["p"]), "\(name) p")
        #expect(r.method == c["method"] as? String, "\(name) method")
    }
    agreement.report()
}

@Test func wilcoxonMatchesScipy() throws {
    let f = try loadFixture("wilcoxon")
    var agreement = Agreement("wilcoxon + rank-biserial")
    for c in dictionaries(f["cases"]) {
        let name = c["name"] as? String ?? "?"
        let d = doubles(c["d"])
        for (key, alternative) in [("two_sided", Alternative.twoSided), ("less", .less), ("greater", .greater)] {
            let r = try WilcoxonSignedRank.test(differences: d, alternative: alternative)
            let expected = dictionary(c[key])
            agreement.check(r.pValue, optionalDouble(expected["p"]), "\(name) \(key) p")
            if r.pValue != nil { agreement.check(r.statistic, optionalDouble(expected["statistic"]), "\(name) \(key) statistic") }
            agreement.check(r.rankBiserial, optionalDouble(c["rank_biserial"]), atol: 1e-15, "\(name) rank-biserial")
        }
    }
    agreement.report()
}

@Test func wilcoxonPairedFormMatchesDifferences() throws {
    let x = [1.0, 2.5, 3.1, 4.8, 2.2, 6.0], y = [0.5, 2.0, 3.5, 3.0, 1.0, 4.0]
    let paired = try WilcoxonSignedRank.test(x, y)
    let direct = try WilcoxonSignedRank.test(differences: zip(x, y).map { $0 - $1 })
    #expect(paired == direct)
    #expect(paired.pMethod == "permutation")  // |d| = 0.5 occurs twice: ties → scipy's exhaustive sign flips
    #expect(try WilcoxonSignedRank.test(differences: [0.3, -0.1, 0.7, 1.1, 0.2]).pMethod == "exact")
    let allZero = try WilcoxonSignedRank.test(differences: [0, 0, 0])
    #expect(allZero.pValue == nil && allZero.rankBiserial == nil)
}

@Test func endpointContrastUsesHardestMinusEasiest() throws {
    let values: [[Double]] = [[1, 2, 3], [2, 2, 2.5], [0, 1, 4], [1, .nan, 1.2], [3, 2, 3.1]]
    let r = try #require(try StudyAnalysis.endpointContrast(values))
    let direct = try WilcoxonSignedRank.test(differences: [2, 0.5, 4, 0.2, 0.1].map { $0 })
    #expect(r.n == 5)
    #expect(abs(r.rankSumPositive - direct.rankSumPositive) < 1e-12)
    #expect(r.rankBiserial == 1)
    #expect(try StudyAnalysis.endpointContrast([[1], [2]]) == nil)
}
