import Testing
@testable import Statistics

/// Synthetic ladder: `items` items × `levels` levels; value = slope · level + item offset + noise.
private func synthetic(items: Int, levels: Int, slope: Double, noise: Double, seed: UInt64) -> [[Double]] {
    var rng = SplitMix64(seed: seed)
    func uniform() -> Double { Double(rng.next() >> 11) / Double(1 << 53) }
    return (0..<items).map { _ in
        let offset = uniform() * 3
        return (0..<levels).map { l in slope * Double(l) + offset + noise * (uniform() - 0.5) }
    }
}

private func input(items: Int, levels: Int = 5, entropySlope: Double = 1, seed: UInt64 = 1,
                   patches: PatchTable? = nil) -> StudyInput {
    StudyInput(ladder: "typos", levels: (0..<levels).map { "L\($0)" }, items: (0..<items).map { "item\($0)" },
               entropyMeasure: "mean_entropy_bits",
               entropy: synthetic(items: items, levels: levels, slope: entropySlope, noise: 1, seed: seed),
               sparsity: [
                   LevelSeries(hook: "global.layers.3", measure: "hoyer",
                               values: synthetic(items: items, levels: levels, slope: -0.5, noise: 0.5, seed: seed + 1)),
                   LevelSeries(hook: "global.layers.3", measure: "gini",
                               values: synthetic(items: items, levels: levels, slope: 0, noise: 1, seed: seed + 2)),
               ],
               patches: patches)
}

@Test func studyVerdictsFollowTheSyntheticTruth() throws {
    let config = StudyConfiguration(bootstrapResamples: 500)
    let rows = try StudyAnalysis.analyze(input(items: 40), configuration: config)
    #expect(rows.count == 5)
    let entropy = try #require(rows.first { $0.test == .entropyTracksLevel })
    #expect(entropy.verdict == .tracksDifficulty)
    #expect(entropy.isPrimary)
    #expect(entropy.n == 40)
    let hoyer = try #require(rows.first { $0.test == .sparsityTracksLevel && $0.measure == "hoyer" })
    #expect(hoyer.verdict == .tracksInversely)
    #expect(hoyer.isPrimary)
    let gini = try #require(rows.first { $0.test == .sparsityTracksLevel && $0.measure == "gini" })
    #expect(gini.verdict == .noEvidence)
    #expect(!gini.isPrimary)
    // Holm over the two (b) rows: the corrected p is at least the raw p.
    for row in rows { if let p = row.p, let q = row.correctedP { #expect(q >= p) } }
}

@Test func studyWithTwoItemsIsInsufficientData() throws {
    let rows = try StudyAnalysis.analyze(input(items: 2), configuration: StudyConfiguration(bootstrapResamples: 50))
    for row in rows {
        #expect(row.verdict == .insufficientData)
        #expect(row.p == nil && row.estimate == nil && row.ciLow == nil)
        #expect(!row.note.isEmpty)
    }
}

@Test func studyIsDeterministic() throws {
    let config = StudyConfiguration(bootstrapResamples: 200)
    let a = try StudyAnalysis.analyze(input(items: 12), configuration: config)
    let b = try StudyAnalysis.analyze(input(items: 12), configuration: config)
    #expect(a == b)
}
