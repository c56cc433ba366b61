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
    // Rows computed on several threads are the same rows, in the same order.
    for threads in [2, 3, 8] {
        #expect(try StudyAnalysis.analyze(input(items: 12), configuration: config, threads: threads) == a)
    }
}

@Test func studyRowsMatchScipyReference() throws {
    let f = try loadFixture("study")
    let levels = (f["levels"] as? Int) ?? 0, items = (f["items"] as? Int) ?? 0
    let patches = dictionary(f["patches"])
    let input = StudyInput(
        ladder: "synthetic", levels: (0..<levels).map { "L\($0)" }, items: (0..<items).map { "i\($0)" },
        entropyMeasure: "mean_entropy_bits", entropy: matrix(f["entropy"]),
        sparsity: [LevelSeries(hook: "h", measure: "hoyer", values: matrix(f["hoyer"])),
                   LevelSeries(hook: "h", measure: "flat", values: matrix(f["flat"]))],
        patches: PatchTable(item: ints(patches["item"]), level: ints(patches["level"]), entropy: doubles(patches["entropy"]),
                            length: doubles(patches["length"]), position: doubles(patches["position"]),
                            sparsity: [PatchSeries(hook: "h", measure: "hoyer", values: doubles(patches["sparsity"]))]))
    let rows = try StudyAnalysis.analyze(input, configuration: StudyConfiguration(bootstrapResamples: 300))
    let expected = dictionary(f["expected"])
    var agreement = Agreement("study rows (a)-(d)")
    func check(_ test: StudyTest, _ measure: String, _ key: String) throws {
        let row = try #require(rows.first { $0.test == test && $0.measure == measure })
        let e = dictionary(expected[key])
        #expect(row.n == (e["n"] as? Int), "\(key) n")
        agreement.check(row.estimate, optionalDouble(e["estimate"]), atol: 1e-14, "\(key) estimate")
        agreement.check(row.p, optionalDouble(e["p"]), "\(key) p")
        #expect(row.verdict != .insufficientData, "\(key)")
        // CIs: the fixture replays the Swift row seed and SplitMix64 draws in Python, with scipy's BCa.
        agreement.check(row.ciLow, optionalDouble(e["ci_low"]), atol: 1e-14, "\(key) ci_low")
        agreement.check(row.ciHigh, optionalDouble(e["ci_high"]), atol: 1e-14, "\(key) ci_high")
        #expect(row.ciMethod == "bca", "\(key)")
    }
    try check(.entropyTracksLevel, "mean_entropy_bits", "entropy_trend")
    try check(.sparsityTracksLevel, "hoyer", "hoyer_trend")
    try check(.sparsityTracksLevel, "flat", "flat_trend")
    try check(.sparsityBeyondEntropy, "hoyer", "hoyer_beyond")
    try check(.sparsityBeyondEntropy, "flat", "flat_beyond")
    try check(.entropySparsityPatchCorrelation, "hoyer", "patch")
    agreement.report()
    // Holm: the primary measure (hoyer) is its own confirmatory family, "flat" is exploratory, so each
    // (b) row is a family of one here and its corrected p is its raw p.
    let b = rows.filter { $0.test == .sparsityTracksLevel }
    #expect(b.map(\.correctedP) == b.map(\.p))
    #expect(b.map(\.isPrimary) == [true, false])
    let hoyer = try #require(b.first { $0.measure == "hoyer" })
    #expect(hoyer.note.contains("1 item(s) with non-finite values dropped"))
}

@Test func verdictRule() {
    #expect(Verdict.decide(n: 10, estimate: 0.2, ciLow: 0.05, ciHigh: 0.3, correctedP: 0.01, alpha: 0.05) == .tracksDifficulty)
    #expect(Verdict.decide(n: 10, estimate: -0.2, ciLow: -0.3, ciHigh: -0.05, correctedP: 0.01, alpha: 0.05) == .tracksInversely)
    #expect(Verdict.decide(n: 10, estimate: 0.2, ciLow: -0.01, ciHigh: 0.3, correctedP: 0.01, alpha: 0.05) == .noEvidence)
    #expect(Verdict.decide(n: 10, estimate: 0.2, ciLow: 0.05, ciHigh: 0.3, correctedP: 0.2, alpha: 0.05) == .noEvidence)
    #expect(Verdict.decide(n: 2, estimate: 0.2, ciLow: 0.05, ciHigh: 0.3, correctedP: 0.01, alpha: 0.05) == .insufficientData)
    #expect(Verdict.decide(n: 10, estimate: nil, ciLow: nil, ciHigh: nil, correctedP: nil, alpha: 0.05) == .insufficientData)
    #expect(Verdict.tracksDifficulty.rawValue == "tracks difficulty")
    #expect(StudyTest.allCases.map(\.rawValue) == ["entropy_tracks_level", "sparsity_tracks_level", "sparsity_beyond_entropy",
                                                   "entropy_sparsity_patch_correlation", "loss_tracks_level",
                                                   "entropy_tracks_loss", "sparsity_tracks_loss", "patching_interaction",
                                                   "model_control_difference", "permutation_null_rate"])
}

@Test func studyRejectsMalformedInputWithTypedErrors() {
    var bad = input(items: 5)
    bad.entropy[2] = [1, 2]
    #expect(throws: StatisticsError.self) { try StudyAnalysis.analyze(bad) }
    var badPatches = input(items: 5, patches: PatchTable(item: [0, 9], level: [0, 0], entropy: [1, 2], length: [1, 1],
                                                        position: [0, 1], sparsity: []))
    #expect(throws: StatisticsError.self) { try StudyAnalysis.analyze(badPatches) }
    badPatches.patches?.item = [0]
    #expect(throws: StatisticsError.self) { try StudyAnalysis.analyze(badPatches) }
}

@Test func constantMeasureAndFixedSizePatchesAreHandled() throws {
    var data = input(items: 8)
    data.sparsity.append(LevelSeries(hook: "h", measure: "const", values: Array(repeating: [1, 1, 1, 1, 1], count: 8)))
    // Fixed-size patching: length constant within every text → absorbed by the text effects, noted.
    var item: [Int] = [], level: [Int] = [], entropy: [Double] = [], length: [Double] = [], position: [Double] = [], sp: [Double] = []
    var rng = SplitMix64(seed: 5)
    for i in 0..<8 { for l in 0..<5 { for j in 0..<4 {
        let e = Double(rng.next() >> 11) / Double(1 << 53)
        item.append(i); level.append(l); entropy.append(e); length.append(4); position.append(Double(j))
        sp.append(0.5 * e + Double(rng.next() >> 11) / Double(1 << 53))
    } } }
    data.patches = PatchTable(item: item, level: level, entropy: entropy, length: length, position: position,
                              sparsity: [PatchSeries(hook: "h", measure: "hoyer", values: sp)])
    let rows = try StudyAnalysis.analyze(data, configuration: StudyConfiguration(bootstrapResamples: 200))
    let constant = try #require(rows.first { $0.test == .sparsityTracksLevel && $0.measure == "const" })
    #expect(constant.verdict == .insufficientData && constant.p == nil)
    let beyond = try #require(rows.first { $0.test == .sparsityBeyondEntropy && $0.measure == "const" })
    #expect(beyond.verdict == .insufficientData && beyond.note.contains("constant"))
    let patch = try #require(rows.first { $0.test == .entropySparsityPatchCorrelation })
    #expect(patch.note.contains("constant within texts (absorbed): length_4"))
    #expect(patch.estimate != nil && patch.verdict != .insufficientData)
    for row in rows {
        for v in [row.estimate, row.ciLow, row.ciHigh, row.p, row.correctedP] { #expect(v.map { !$0.isNaN } ?? true) }
    }
}

@Test func markdownTableAndFlatCells() throws {
    let rows = try StudyAnalysis.analyze(input(items: 2), configuration: StudyConfiguration(bootstrapResamples: 20))
        + StudyAnalysis.analyze(input(items: 10), configuration: StudyConfiguration(bootstrapResamples: 50))
    let table = StudyResultRow.markdownTable(rows)
    #expect(table.split(separator: "\n").count == rows.count + 2)
    #expect(table.contains("insufficient data") && table.contains("| — |"))
    #expect(table.contains("**hoyer**"))
    let missing = try #require(rows.first { $0.verdict == .insufficientData })
    #expect(missing.numericCells.p.isNaN && missing.numericCells.n == 2)
    #expect(StudyResultRow.columnNames.count == 22)
    #expect(formatScientific(3.14159e-5) == "3.1e-05")
    #expect(formatSignificant(0.123456, digits: 4) == "0.1235")
}

@Test func pythonReplayOfSplitMixMatchesSwift() throws {
    let check = dictionary(try loadFixture("study")["swift_splitmix64_check"])
    var generator = SplitMix64(seed: 0)
    #expect(String(generator.next()) == check["first"] as? String)
    let seed = StudyAnalysis.rowSeed(20_260_301, ["entropy_tracks_level", "synthetic", "", "mean_entropy_bits"])
    #expect(String(seed) == check["row_seed"] as? String)
    let head = ((check["resample_head"] as? [Any]) ?? []).map { ints($0) }
    #expect(ClusterBootstrap.resampleIndices(clusterCount: 7, count: 3, seed: 12345) == head)
}
