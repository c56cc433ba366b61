import Parallelism

/// The shuffled-level permutation null: how often does the study's own verdict pipeline call an effect
/// when there is none?
///
/// Each shuffle permutes the level labels *within every item* (one permutation per item, applied to
/// all of that item's values alike: entropy, covariates and every sparsity series), which keeps
/// everything about the items and destroys any relation to the level; the model's loss gets a second,
/// independent permutation per item, which also destroys its within-item association with entropy and
/// sparsity (the level shuffle alone would keep it, so (e) and (f) would have no null). The shuffled input then goes
/// through ``analyze(_:configuration:threads:)`` — the same tests, bootstrap CIs, Holm families and
/// oriented verdict rule as the real analysis — and every row whose verdict is "tracks difficulty" or
/// "tracks inversely" counts as a false positive.
///
/// The rate is family-wise per test: a shuffle counts once if *any* of the test's primary rows fires
/// (for (b), (c), (f) one row per primary hook; for (a), (0), (e) the one row). A calibrated pipeline
/// has a rate ≤ α; the row's CI is the exact (Clopper–Pearson) 95 % interval of that binomial rate.
extension StudyAnalysis {
    /// The tests whose null rates are measured (the level and loss trends; (c) included).
    public static let nullTests: [StudyTest] = [.entropyTracksLevel, .lossTracksLevel, .entropyTracksLoss,
                                                .sparsityTracksLevel, .sparsityBeyondEntropy, .sparsityTracksLoss]

    /// One `permutation_null_rate` row per test of ``nullTests`` present in the analysis, over `shuffles`
    /// within-item level permutations of `input` restricted to its primary sparsity series (patch rows
    /// are not shuffled: (d) is a within-text test that does not use the level).
    ///
    /// Rows: `measure` = the tested test's identifier, `n` = shuffles, `estimate` = false-positive rate,
    /// CI = Clopper–Pearson, `p` and corrected p are nil (a calibration, not a test; its verdict is
    /// "insufficient data" by the verdict rule), `note` = the count. Deterministic in `configuration.seed`.
    /// - Throws: ``StatisticsError/invalidParameter(name:reason:)`` for `shuffles` < 1 or > ``maxNullShuffles``.
    public static func permutationNull(_ input: StudyInput, shuffles: Int,
                                       configuration: StudyConfiguration = StudyConfiguration(),
                                       threads: Int = 1) throws -> [StudyResultRow] {
        guard shuffles >= 1, shuffles <= maxNullShuffles else {
            throw StatisticsError.invalidParameter(name: "shuffles", reason: "must be in 1...\(maxNullShuffles), got \(shuffles)")
        }
        var reduced = input
        reduced.sparsity = input.sparsity.filter { configuration.isPrimary(hook: $0.hook, measure: $0.measure) }
        reduced.patches = nil
        let levelCount = input.levels.count
        // Each shuffle's verdicts, computed independently (seeded by the shuffle index), so `threads` only
        // changes the speed.
        let fired = try orderedParallelMap(shuffles, threads: threads) { s -> Set<StudyTest> in
            var rng = SplitMix64(seed: rowSeed(configuration.seed, ["permutation-null", input.ladder, String(s)]))
            let permutations = input.items.map { _ in rng.permutation(of: levelCount) }
            let lossPermutations = input.items.map { _ in rng.permutation(of: levelCount) }
            var shuffled = reduced
            func permute(_ table: [[Double]], _ by: [[Int]] = permutations) -> [[Double]] {
                table.enumerated().map { i, row in by[i].map { row[$0] } }
            }
            shuffled.entropy = permute(reduced.entropy)
            shuffled.loss = reduced.loss.map { permute($0, lossPermutations) }
            shuffled.probeEntropy = reduced.probeEntropy.map { permute($0) }
            shuffled.probePatchLength = reduced.probePatchLength.map { permute($0) }
            for k in shuffled.inputCovariates.indices { shuffled.inputCovariates[k].values = permute(reduced.inputCovariates[k].values) }
            for k in shuffled.sparsity.indices { shuffled.sparsity[k].values = permute(reduced.sparsity[k].values) }
            var config = configuration
            config.seed = rowSeed(configuration.seed, ["permutation-null-bootstrap", String(s)])
            let rows = try analyze(shuffled, configuration: config, threads: 1)
            return Set(rows.filter { $0.isPrimary && ($0.verdict == .tracksDifficulty || $0.verdict == .tracksInversely) }.map(\.test))
        }
        // Tests the analysis actually produced for this input (no loss → no (0), (e), (f)).
        var present = Set<StudyTest>([.entropyTracksLevel])
        if input.loss != nil { present.formUnion([.lossTracksLevel, .entropyTracksLoss]) }
        if !reduced.sparsity.isEmpty {
            present.formUnion([.sparsityTracksLevel, .sparsityBeyondEntropy])
            if input.loss != nil { present.insert(.sparsityTracksLoss) }
        }
        return try nullTests.filter(present.contains).map { test in
            let count = fired.filter { $0.contains(test) }.count
            var row = emptyRow(.permutationNullRate, input, hook: "", measure: test.rawValue, isPrimary: true, n: shuffles,
                               note: "\(count) of \(shuffles) shuffles gave a verdict at a primary row")
            let interval = try ClopperPearson.interval(successes: count, trials: shuffles, confidence: configuration.confidenceLevel)
            row.estimate = Double(count) / Double(shuffles)
            row.ciLow = interval.lower
            row.ciHigh = interval.upper
            row.ciMethod = "clopper_pearson"
            return row
        }
    }

    /// Most shuffles of one permutation null (each is a full analysis of the ladder's primary rows).
    public static let maxNullShuffles = 100_000
}
