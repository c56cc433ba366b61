import Foundation
import Testing
@testable import Statistics

@Test func olsMatchesNumpyWithExplicitDummies() throws {
    let f = try loadFixture("regression")
    var agreement = Agreement("OLS (classical, item FE, cluster CR1)")
    for c in dictionaries(f["ols"]) {
        let name = c["name"] as? String ?? "?"
        let groups: [Int]? = c["groups"] is NSNull ? nil : ints(c["groups"])
        let clusters: [Int]? = c["clusters"] is NSNull ? nil : ints(c["clusters"])
        let names = (c["names"] as? [String]) ?? []
        let fit = try #require(try OrdinaryLeastSquares.fit(y: doubles(c["y"]), covariates: matrix(c["covariates"]), names: names,
                                                            fixedEffectGroups: groups, clusters: clusters))
        // The reference lists the intercept first when there are no fixed effects, as we do.
        let coefficients = doubles(c["coefficients"]), ses = doubles(c["standard_errors"])
        let ts = doubles(c["t"]), ps = doubles(c["p"])
        #expect(fit.coefficients.count == coefficients.count, "\(name)")
        for j in 0..<min(fit.coefficients.count, coefficients.count) {
            agreement.check(fit.coefficients[j], coefficients[j], atol: 1e-13, "\(name) b\(j)")
            agreement.check(fit.standardErrors[j], ses[j], "\(name) se\(j)")
            agreement.check(fit.tStatistics[j], ts[j], atol: 1e-12, "\(name) t\(j)")
            agreement.check(fit.pValues[j], ps[j], "\(name) p\(j)")
        }
        agreement.check(fit.testDegreesOfFreedom, optionalDouble(c["test_df"]), "\(name) df")
        agreement.check(fit.residualDegreesOfFreedom, optionalDouble(c["residual_df"]), "\(name) residual df")
    }
    agreement.report()
}

@Test func olsDegenerateDesignsReturnNil() throws {
    // Collinear covariates.
    let x = [1.0, 2, 3, 4, 5]
    #expect(try OrdinaryLeastSquares.fit(y: [1, 3, 2, 5, 4], covariates: [x, x.map { 2 * $0 }], names: ["a", "b"]) == nil)
    // No residual degrees of freedom.
    #expect(try OrdinaryLeastSquares.fit(y: [1, 2], covariates: [[0, 1]], names: ["a"]) == nil)
    // Covariate constant within every fixed-effect group.
    #expect(try OrdinaryLeastSquares.fit(y: [1, 2, 3, 4], covariates: [[1, 1, 2, 2]], names: ["a"],
                                         fixedEffectGroups: [0, 0, 1, 1]) == nil)
    // One cluster only.
    #expect(try OrdinaryLeastSquares.fit(y: [1, 3, 2, 5], covariates: [[1, 2, 3, 4]], names: ["a"], clusters: [7, 7, 7, 7]) == nil)
    #expect(throws: StatisticsError.self) {
        try OrdinaryLeastSquares.fit(y: [1, .nan, 2], covariates: [[1, 2, 3]], names: ["a"])
    }
}

@Test func olsConfidenceIntervalUsesStudentT() throws {
    let fit = try #require(try OrdinaryLeastSquares.fit(y: [1, 2.5, 2.9, 4.2, 5.1, 5.8], covariates: [[0, 1, 2, 3, 4, 5]], names: ["x"]))
    let row = try #require(fit.coefficient(named: "x"))
    let ci = try #require(fit.confidenceInterval(named: "x", level: 0.95))
    // t_{0.975, 4} = 2.7764451051977987 (scipy.stats.t.ppf).
    #expect(abs((ci.high - row.estimate) / row.standardError - 2.7764451051977987) < 1e-10)
}
