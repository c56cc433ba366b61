import Testing
@testable import Statistics

/// The model control (h), the permutation null and its exact binomial interval.

/// `values[item][level]` = slope · level + item offset + noise of the given size.
private func series(items: Int, levels: Int, slope: Double, noise: Double, seed: UInt64) -> [[Double]] {
    var rng = SplitMix64(seed: seed)
    return (0..<items).map { _ in
        let offset = rng.nextUnit() * 3
        return (0..<levels).map { l in slope * Double(l) + offset + noise * (rng.nextUnit() - 0.5) }
    }
}

private func input(slope: Double, noise: Double = 0.3, items: Int = 30, levels: Int = 4, seed: UInt64 = 5) -> StudyInput {
    StudyInput(ladder: "synthetic", levels: (0..<levels).map { "L\($0)" }, items: (0..<items).map { "i\($0)" },
               entropyMeasure: "mean_entropy_bits",
               entropy: series(items: items, levels: levels, slope: slope, noise: noise, seed: seed &+ 1),
               sparsity: ["P", "G"].enumerated().map { k, hook in
                   LevelSeries(hook: hook, measure: "hoyer",
                               values: series(items: items, levels: levels, slope: slope, noise: noise, seed: seed &+ 10 &+ UInt64(k)))
               })
}

@Test func clopperPearsonMatchesScipy() throws {
    // scipy.stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
    let cases: [(Int, Int, Double, Double)] = [(0, 200, 0, 0.018275340355148807), (3, 200, 0.003104107621555085, 0.043208281917709784),
                                               (10, 200, 0.024234165472108292, 0.09002753770155869),
                                               (200, 200, 0.9817246596448512, 1), (7, 20, 0.1539092047845412, 0.5921885345328283)]
    for (k, n, lo, hi) in cases {
        let ci = try ClopperPearson.interval(successes: k, trials: n)
        #expect(abs(ci.lower - lo) < 1e-9 && abs(ci.upper - hi) < 1e-9, "\(k)/\(n): \(ci)")
    }
    #expect(throws: StatisticsError.self) { _ = try ClopperPearson.interval(successes: 3, trials: 2) }
    #expect(throws: StatisticsError.self) { _ = try ClopperPearson.interval(successes: 0, trials: 0) }
}

@Test func modelControlDifferenceSeparatesALearnedTrendFromOneTheControlHasToo() throws {
    let config = StudyConfiguration(bootstrapResamples: 300, primarySparsityMeasure: "hoyer")
    let trained = input(slope: 1)
    var flat = input(slope: 0, seed: 99)
    flat.ladder = "synthetic@random-init:0"
    let rows = try StudyAnalysis.modelControlDifference(main: trained, control: flat, configuration: config)
    #expect(rows.count == 2 && rows.allSatisfy { $0.test == .modelControlDifference })
    #expect(rows.allSatisfy { $0.verdict == .tracksDifficulty && $0.note.contains("synthetic@random-init:0") })
    // A control with the same trend: the trained model's trend is not beyond it.
    var same = input(slope: 1, seed: 77)
    same.ladder = "synthetic@random-init:0"
    let beyond = try StudyAnalysis.modelControlDifference(main: trained, control: same, configuration: config)
    #expect(beyond.allSatisfy { $0.verdict != .tracksDifficulty })
}

@Test func permutationNullIsCalibratedAndDeterministic() throws {
    let config = StudyConfiguration(bootstrapResamples: 200, primarySparsityMeasure: "hoyer")
    // A strong real trend: the real analysis finds it at both hooks, the shuffled levels do not.
    let strong = input(slope: 1)
    let real = try StudyAnalysis.analyze(strong, configuration: config)
    #expect(real.filter { $0.test == .sparsityTracksLevel }.allSatisfy { $0.verdict == .tracksDifficulty })
    let null = try StudyAnalysis.permutationNull(strong, shuffles: 60, configuration: config, threads: 2)
    #expect(null.map(\.measure) == [StudyTest.entropyTracksLevel, .sparsityTracksLevel, .sparsityBeyondEntropy].map(\.rawValue))
    for row in null {
        #expect(row.test == .permutationNullRate && row.n == 60 && row.p == nil && row.verdict == .insufficientData)
        #expect(try #require(row.estimate) <= 0.1, "\(row.measure): \(row.note)")
        #expect(try #require(row.ciLow) <= row.estimate! && row.estimate! <= row.ciHigh!)
    }
    // The same seed gives the same rates whatever the thread count.
    #expect(try StudyAnalysis.permutationNull(strong, shuffles: 60, configuration: config, threads: 1) == null)
    #expect(throws: StatisticsError.self) { _ = try StudyAnalysis.permutationNull(strong, shuffles: 0, configuration: config) }
}

@Test func permutationNullOnPureNoiseStaysNearAlphaAndStatesItsCount() throws {
    // Pure noise (no trend at all): the rate stays small, and the note states the count behind it.
    let config = StudyConfiguration(bootstrapResamples: 200, primarySparsityMeasure: "hoyer")
    let noise = input(slope: 0, noise: 1)
    let null = try StudyAnalysis.permutationNull(noise, shuffles: 100, configuration: config)
    for row in null {
        let count = Int(row.note.split(separator: " ").first ?? "") ?? -1
        #expect(count >= 0 && Double(count) / 100 == row.estimate)
        #expect(row.estimate! <= 0.1, "\(row.measure): \(row.note)")
    }
}

@Test func inputCovariatesRemoveALevelEffectThatTheTextsMakeAndNameWhatTheyCannotAdjustFor() throws {
    let config = StudyConfiguration(bootstrapResamples: 300, primarySparsityMeasure: "hoyer")
    let items = 30, levels = 4
    var rng = SplitMix64(seed: 41)
    // The texts get longer with the level (10 bytes per level, ± 8 per item) and sparsity follows the length
    // alone: a level effect that the input statistics explain.
    let length = (0..<items).map { _ in (0..<levels).map { 100 + 10 * Double($0) + 16 * (rng.nextUnit() - 0.5) } }
    let sparsity = length.map { row in row.map { 0.05 * $0 + 0.2 * (rng.nextUnit() - 0.5) } }
    let entropy = (0..<items).map { _ in (0..<levels).map { _ in rng.nextUnit() } }
    var study = StudyInput(ladder: "synthetic", levels: (0..<levels).map { "L\($0)" }, items: (0..<items).map { "i\($0)" },
                           entropyMeasure: "mean_entropy_bits", entropy: entropy,
                           sparsity: [LevelSeries(hook: "P", measure: "hoyer", values: sparsity)])
    let beyond = { (s: StudyInput) in try #require(try StudyAnalysis.analyze(s, configuration: config).first { $0.test == .sparsityBeyondEntropy }) }
    let unadjusted = try beyond(study)
    #expect(unadjusted.verdict == .tracksDifficulty)

    study.inputCovariates = [
        InputCovariate(name: "span_bytes", values: length),
        InputCovariate(name: "constant", values: length.map { $0.map { _ in 7 } }),
        InputCovariate(name: "twice_the_level", values: length.map { _ in (0..<levels).map { 2 * Double($0) } }),
    ]
    let adjusted = try beyond(study)
    #expect(adjusted.verdict != .tracksDifficulty && abs(adjusted.estimate!) < abs(unadjusted.estimate!) / 5,
            "\(adjusted.estimate!) vs \(unadjusted.estimate!)")
    #expect(adjusted.note.contains("covariates: entropy, span_bytes"))
    #expect(adjusted.note.contains("not adjusted for constant (constant within items), twice_the_level (VIF"))
    #expect((adjusted.maxVIF ?? 0) > 1)
    // The permutation null shuffles the covariates with the levels.
    let null = try StudyAnalysis.permutationNull(study, shuffles: 20, configuration: config)
    #expect(null.contains { $0.measure == StudyTest.sparsityBeyondEntropy.rawValue })
}
