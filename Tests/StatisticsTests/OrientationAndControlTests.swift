import Testing
@testable import Statistics

/// `values[item][level]` = slope · level + item offset + small noise.
private func rising(items: Int, levels: Int, slope: Double, seed: UInt64) -> [[Double]] {
    var rng = SplitMix64(seed: seed)
    func uniform() -> Double { Double(rng.next() >> 11) / Double(1 << 53) }
    return (0..<items).map { _ in
        let offset = uniform() * 3
        return (0..<levels).map { l in slope * Double(l) + offset + 0.3 * (uniform() - 0.5) }
    }
}

private func ladder(_ series: [LevelSeries], items: Int = 30, levels: Int = 5, loss: [[Double]]? = nil) -> StudyInput {
    StudyInput(ladder: "synthetic", levels: (0..<levels).map { "L\($0)" }, items: (0..<items).map { "i\($0)" },
               entropyMeasure: "mean_entropy_bits", entropy: rising(items: items, levels: levels, slope: 1, seed: 9),
               sparsity: series, loss: loss, lossMeasure: loss == nil ? "" : "bits_per_byte")
}

@Test func verdictIsOrientedByDirection() {
    // A positive estimate means "denser" for a lower-is-sparser measure.
    #expect(Verdict.decide(n: 10, estimate: 0.2, ciLow: 0.05, ciHigh: 0.3, correctedP: 0.01, alpha: 0.05, direction: .lowerIsSparser) == .tracksInversely)
    #expect(Verdict.decide(n: 10, estimate: -0.2, ciLow: -0.3, ciHigh: -0.05, correctedP: 0.01, alpha: 0.05, direction: .lowerIsSparser) == .tracksDifficulty)
    #expect(Verdict.decide(n: 10, estimate: 0.2, ciLow: 0.05, ciHigh: 0.3, correctedP: 0.01, alpha: 0.05, direction: .higherIsSparser) == .tracksDifficulty)
    #expect(Verdict.decide(n: 10, estimate: 0.2, ciLow: 0.05, ciHigh: 0.3, correctedP: 0.01, alpha: 0.05, direction: .notSparsity) == .tracksDifficulty)
    #expect(Verdict.decide(n: 10, estimate: 0.2, ciLow: -0.05, ciHigh: 0.3, correctedP: 0.01, alpha: 0.05, direction: .lowerIsSparser) == .noEvidence)
}

@Test(arguments: [EffectDirection.higherIsSparser, .lowerIsSparser, .notSparsity])
func everyTestOfARisingSeriesIsOriented(direction: EffectDirection) throws {
    let items = 30, levels = 5
    let values = rising(items: items, levels: levels, slope: 1, seed: 3)
    let input = ladder([LevelSeries(hook: "h", measure: "m", values: values, direction: direction)],
                       loss: rising(items: items, levels: levels, slope: 2, seed: 4))
    let rows = try StudyAnalysis.analyze(input, configuration: StudyConfiguration(bootstrapResamples: 300, primarySparsityMeasure: "m"))
    let expected: Verdict = direction == .lowerIsSparser ? .tracksInversely : .tracksDifficulty
    for test in [StudyTest.sparsityTracksLevel, .sparsityTracksLoss] {
        let row = try #require(rows.first { $0.test == test })
        #expect(row.estimate! > 0)
        #expect(row.direction == direction)
        #expect(row.verdict == expected, "\(test) with \(direction)")
        #expect(row.note.contains("not a sparsity measure") == (direction == .notSparsity))
    }
}

@Test func lossTestsAreReported() throws {
    let items = 20, levels = 4
    let input = ladder([], items: items, levels: levels, loss: rising(items: items, levels: levels, slope: -1, seed: 5))
    let rows = try StudyAnalysis.analyze(input, configuration: StudyConfiguration(bootstrapResamples: 200))
    let loss = try #require(rows.first { $0.test == .lossTracksLevel })
    #expect(loss.verdict == .tracksInversely)   // loss falls with the level: the ladder gets easier
    let entropy = try #require(rows.first { $0.test == .entropyTracksLoss })
    #expect(entropy.verdict == .tracksInversely) // entropy rises while loss falls
}

@Test func tostMatchesScipy() throws {
    // scipy: max(t.sf((m+δ)/se, n−1), t.sf((δ−m)/se, n−1)), se = std(ddof=1)/√n, δ = 0.1.
    let small = [0.02, -0.05, 0.01, 0.04, -0.02, 0.03, 0.0, -0.01]
    let p1 = try #require(Equivalence.tostP(values: small, delta: 0.1))
    #expect(abs(p1 - 1.5417263696103898e-05) < 1e-9 * 1.5417263696103898e-05 + 1e-15)
    let large = [0.3, 0.1, 0.25, 0.05, 0.2]
    let p2 = try #require(Equivalence.tostP(values: large, delta: 0.1))
    #expect(abs(p2 - 0.9202235736508031) < 1e-10)
    #expect(Equivalence.tostP(estimate: 0.05, standardError: 0, delta: 0.1, df: 3) == 0)
    #expect(Equivalence.tostP(estimate: 0.2, standardError: 0, delta: 0.1, df: 3) == 1)
}

@Test func varianceInflationMatchesNumpy() {
    let x = [1.0, 2, 3, 4, 5, 6].map { $0 - 3.5 }
    let y = [2.0, 1, 4, 3, 6, 7].map { $0 - 23.0 / 6 }
    let vif = varianceInflationFactors([x, y])
    // numpy: 1 / (1 − corrcoef(x, y)²)
    #expect(abs(vif[0] - 5.256529850746263) < 1e-10 && abs(vif[1] - 5.256529850746263) < 1e-10)
    #expect(varianceInflationFactors([x]) == [1])
    #expect(varianceInflationFactors([x, x.map { 2 * $0 }]).allSatisfy { $0 == .infinity })
}

@Test func olsContrastUsesTheFullCovariance() throws {
    let a = [0.1, 0.5, 0.2, 0.9, 0.4, 0.8, 0.3, 0.7, 0.6, 0.05]
    let b = [1.0, 0.2, 0.5, 0.4, 0.9, 0.1, 0.7, 0.3, 0.8, 0.6]
    let noise: [Double] = [0.03, -0.02, 0.05, -0.04, 0.01, 0.02, -0.05, 0.04, -0.01, 0.0]
    var y: [Double] = []
    for i in a.indices { y.append(2 * a[i] - b[i] + noise[i]) }
    let fit = try #require(try OrdinaryLeastSquares.fit(y: y, covariates: [a, b], names: ["a", "b"]))
    let single = try #require(fit.contrast(["a": 1]))
    let row = try #require(fit.coefficient(named: "a"))
    #expect(abs(single.estimate - row.estimate) < 1e-12 && abs(single.standardError - row.standardError) < 1e-12)
    let mean = try #require(fit.contrast(["a": 0.5, "b": 0.5]))
    let ia = fit.names.firstIndex(of: "a")!, ib = fit.names.firstIndex(of: "b")!
    let variance = 0.25 * (fit.covariance[ia][ia] + fit.covariance[ib][ib] + 2 * fit.covariance[ia][ib])
    #expect(abs(mean.standardError - variance.squareRoot()) < 1e-12)
    #expect(fit.contrast(["c": 1]) == nil)
}

@Test func categoricalLevelsEnterTestCAsIndicators() throws {
    var input = ladder([LevelSeries(hook: "h", measure: "m", values: rising(items: 30, levels: 5, slope: 0.5, seed: 11))])
    input.levelsAreCategories = true
    let rows = try StudyAnalysis.analyze(input, configuration: StudyConfiguration(bootstrapResamples: 200))
    let c = try #require(rows.first { $0.test == .sparsityBeyondEntropy })
    #expect(c.note.contains("level as categories"))
    #expect(c.maxVIF != nil && c.equivalenceDelta != nil && c.tostP != nil)
}

@Test func patchingInteractionSeesATrendThatVanishesUnderControl() throws {
    let items = 25, levels = 5
    let main = ladder([LevelSeries(hook: "h", measure: "m", values: rising(items: items, levels: levels, slope: 1, seed: 21))],
                      items: items, levels: levels)
    var flat = main
    flat.ladder = "synthetic@fixed:4"
    flat.sparsity = [LevelSeries(hook: "h", measure: "m", values: rising(items: items, levels: levels, slope: 0, seed: 22))]
    let config = StudyConfiguration(bootstrapResamples: 300)
    let rows = try StudyAnalysis.patchingInteraction(main: main, control: flat, configuration: config)
    #expect(rows.count == 1)
    #expect(rows[0].verdict == .tracksDifficulty)
    #expect(rows[0].estimate! > 0.5)
    // Identical arms: no difference in any item.
    let same = try StudyAnalysis.patchingInteraction(main: main, control: main, configuration: config)
    #expect(same[0].verdict == .insufficientData)
}

@Test func primaryHooksFormTheirOwnHolmFamily() throws {
    let items = 20, levels = 4
    let series = (0..<6).map { LevelSeries(hook: "h\($0)", measure: "m", values: rising(items: items, levels: levels, slope: 0.2, seed: UInt64(30 + $0))) }
    let config = StudyConfiguration(bootstrapResamples: 200, primarySparsityMeasure: "m", primaryHooks: ["h0"])
    let rows = try StudyAnalysis.analyze(ladder(series, items: items, levels: levels), configuration: config)
    let b = rows.filter { $0.test == .sparsityTracksLevel }
    let primary = try #require(b.first { $0.hook == "h0" })
    #expect(primary.isPrimary && primary.correctedP == primary.p)     // a family of one
    #expect(b.filter { $0.isPrimary }.count == 1)
}
