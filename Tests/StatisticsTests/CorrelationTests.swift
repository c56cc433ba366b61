import Foundation
import Testing
@testable import Statistics

@Test func correlationsMatchScipy() throws {
    let f = try loadFixture("correlations")
    var agreement = Agreement("pearson/spearman/kendall")
    for c in dictionaries(f["cases"]) {
        let name = c["name"] as? String ?? "?"
        let x = doubles(c["x"]), y = doubles(c["y"])
        if c["expect_error"] as? Bool == true {
            #expect(throws: StatisticsError.self) { try Correlation.pearson(x, y) }
            #expect(throws: StatisticsError.self) { try Correlation.spearman(x, y) }
            #expect(throws: StatisticsError.self) { try Correlation.kendallTauB(x, y) }
            continue
        }
        let checks: [(String, CorrelationResult)] = [
            ("pearson", try Correlation.pearson(x, y)),
            ("spearman", try Correlation.spearman(x, y)),
            ("kendall", try Correlation.kendallTauB(x, y)),
            ("kendall_less", try Correlation.kendallTauB(x, y, alternative: .less)),
            ("kendall_greater", try Correlation.kendallTauB(x, y, alternative: .greater)),
        ]
        for (key, result) in checks {
            let expected = dictionary(c[key])
            agreement.check(result.estimate, optionalDouble(expected["estimate"]), atol: 1e-15, "\(name) \(key) estimate")
            agreement.check(result.pValue, optionalDouble(expected["p"]), "\(name) \(key) p")
            #expect(result.n == x.count)
        }
    }
    agreement.report()
}

@Test func kendallPicksScipysMethod() throws {
    let x = (0..<40).map(Double.init)
    var y = x; y.swapAt(3, 4)
    #expect(try Correlation.kendallTauB(x, y).pMethod == "exact")            // n > 33 but one discordant pair
    #expect(try Correlation.kendallTauB(Array(x[0..<20]), Array(x[0..<20].reversed())).pMethod == "exact")
    #expect(try Correlation.kendallTauB([1, 1, 2, 3], [1, 2, 3, 4]).pMethod == "asymptotic") // ties
}

@Test func partialCorrelationMatchesNumpyResidualisation() throws {
    let f = try loadFixture("regression")
    var agreement = Agreement("partial correlation")
    for c in dictionaries(f["partial"]) {
        let name = c["name"] as? String ?? "?"
        let groups: [Int]? = c["groups"] is NSNull || c["groups"] == nil ? nil : ints(c["groups"])
        let result = try Correlation.partial(doubles(c["x"]), doubles(c["y"]), covariates: matrix(c["covariates"]),
                                             fixedEffectGroups: groups)
        agreement.check(result.estimate, optionalDouble(c["estimate"]), atol: 1e-15, "\(name) estimate")
        agreement.check(result.pValue, optionalDouble(c["p"]), "\(name) p")
    }
    agreement.report()
}

@Test func correlationDegenerateInputsAreDefined() throws {
    // n = 1: nothing defined. n = 2: coefficient but no p-value. Constant: undefined.
    let one = try Correlation.pearson([1], [2])
    #expect(one.estimate == nil && one.pValue == nil)
    let two = try Correlation.spearman([1, 2], [5, 3])
    #expect(abs((two.estimate ?? 0) + 1) < 1e-15 && two.pValue == nil)
    let constant = try Correlation.kendallTauB([3, 3, 3], [1, 2, 3])
    #expect(constant.estimate == nil && constant.pValue == nil)
    let empty = try Correlation.pearson([], [])
    #expect(empty.estimate == nil && empty.n == 0)
    #expect(throws: StatisticsError.lengthMismatch("x", 2, "y", 3)) { try Correlation.pearson([1, 2], [1, 2, 3]) }
    #expect(throws: StatisticsError.nonFinite(argument: "y", index: 1)) { try Correlation.pearson([1, 2, 3], [1, .infinity, 3]) }
    // Partial correlation where the covariate explains x completely: undefined, not NaN.
    let z = [1.0, 2, 3, 4, 5]
    let explained = try Correlation.partial(z.map { 2 * $0 + 1 }, [2, 1, 4, 3, 5], covariates: [z])
    #expect(explained.estimate == nil && explained.pValue == nil)
}
