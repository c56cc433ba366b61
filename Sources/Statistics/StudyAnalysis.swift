import Parallelism
/// The study's tests on plain arrays (no model needed).
///
/// For one ladder, `analyze` produces, in this order:
/// - (a) one `entropy_tracks_level` row: Page's L (two-sided: 2·min of the increasing and decreasing
///   one-sided p, capped at 1) on `entropy[item][level]`, estimate = mean within-item Kendall τ-b
///   between level index and value, CI = cluster bootstrap over items;
/// - (0) with `loss`, one `loss_tracks_level` row (same method on the model's own loss: does the
///   ladder get harder *for the model*?) and (e) one `entropy_tracks_loss` row: mean within-item
///   Kendall τ-b between entropy and loss across levels, p = Wilcoxon signed-rank on the per-item τ;
/// - (b) one `sparsity_tracks_level` row per `LevelSeries`, same method as (a);
/// - (c) one `sparsity_beyond_entropy` row per `LevelSeries`: OLS sparsity ~ level + probe-local
///   entropy (+ loss when given) with item fixed effects. The level enters as a slope, or — for
///   ladders whose levels are categories (`levelsAreCategories`) — as one indicator per level, the
///   estimate then being the mean of the indicator coefficients (the average difference from level 0,
///   covariates held fixed). p = cluster-robust (CR1, by item) t-test of that estimate with G − 1 df,
///   CI = cluster bootstrap (exact refits); the largest VIF of the covariates is stored;
/// - (f) with `loss`, one `sparsity_tracks_loss` row per `LevelSeries` (as (e));
/// - (d) if `patches` is given, one `entropy_sparsity_patch_correlation` row per `PatchSeries`:
///   partial correlation of patch entropy and patch sparsity controlling for patch length (one
///   indicator per length 2…7 and one for ≥ 8, so length enters without a functional form) and
///   position with one fixed effect per (item, level) text — a purely within-text association — p from
///   the cluster-robust t-test (by item) of the entropy slope, CI = cluster bootstrap over items; plus,
///   for primary series, the same test within each patch-length stratum (1, 2, 3, 4–7, ≥ 8 bytes).
///
/// Every sparsity verdict is *oriented* by the series' `EffectDirection` ("tracks difficulty" =
/// sparser on harder inputs, whichever way the measure runs). τ-based rows and (c) carry a TOST
/// equivalence test against ±δ (`StudyConfiguration.equivalenceDelta`), so "no evidence" can be
/// read as "equivalent to 0 within ±δ" when `tostP` < α.
///
/// Holm: one family per test × ladder × {primary, exploratory} (× strata for the length strata).
/// Items with a non-finite value in a row's inputs are dropped from that row (listwise); `n` is the
/// number of items used. Rows with n < 3, a degenerate design or undefined estimate get nil numbers,
/// the verdict "insufficient data" and a `note` saying why. Deterministic: each row's bootstrap seed
/// is derived from `configuration.seed` and the row's identity, independent of row order.
public enum StudyAnalysis {
    public static func analyze(_ input: StudyInput, configuration: StudyConfiguration = StudyConfiguration(),
                               threads: Int = 1) throws -> [StudyResultRow] {
        try validate(input)
        var rows: [StudyResultRow] = []
        rows.append(try trendRow(test: .entropyTracksLevel, input: input, hook: "", measure: input.entropyMeasure,
                                 isPrimary: true, values: input.entropy, direction: .none, configuration: configuration))
        if let loss = input.loss {
            rows.append(try trendRow(test: .lossTracksLevel, input: input, hook: "", measure: input.lossMeasure,
                                     isPrimary: true, values: loss, direction: .none, configuration: configuration))
            rows.append(try lossRow(test: .entropyTracksLoss, input: input, hook: "", measure: input.entropyMeasure,
                                    isPrimary: true, values: input.entropy, loss: loss, direction: .none,
                                    configuration: configuration))
        }
        // Rows are independent (each bootstrap is seeded from the row's identity), so `threads` only
        // changes how fast they come, not what they are. The designs of (c) and (d) are shared (DesignMemo).
        let memos = AnalysisMemos()
        let perSeries = try orderedParallelMap(input.sparsity.count, threads: threads) { i -> [StudyResultRow] in
            let series = input.sparsity[i]
            let primary = configuration.isPrimary(hook: series.hook, measure: series.measure)
            var out = [try trendRow(test: .sparsityTracksLevel, input: input, hook: series.hook, measure: series.measure,
                                    isPrimary: primary, values: series.values, direction: series.direction,
                                    configuration: configuration),
                       try beyondEntropyRow(input: input, series: series, isPrimary: primary, configuration: configuration,
                                            memos: memos)]
            if let loss = input.loss {
                out.append(try lossRow(test: .sparsityTracksLoss, input: input, hook: series.hook, measure: series.measure,
                                       isPrimary: primary, values: series.values, loss: loss, direction: series.direction,
                                       configuration: configuration))
            }
            return out
        }
        var patchRows: [StudyResultRow] = []
        if let patches = input.patches {
            patchRows = try orderedParallelMap(patches.sparsity.count, threads: threads) { i -> [StudyResultRow] in
                let series = patches.sparsity[i]
                let primary = configuration.isPrimary(hook: series.hook, measure: series.measure)
                var out = [try patchRow(input: input, patches: patches, series: series, isPrimary: primary,
                                        stratum: nil, configuration: configuration, memos: memos)]
                if primary {
                    for stratum in PatchLengthStratum.all {
                        out.append(try patchRow(input: input, patches: patches, series: series, isPrimary: primary,
                                                stratum: stratum, configuration: configuration, memos: memos))
                    }
                }
                return out
            }.flatMap { $0 }
        }
        for k in 0..<(input.sparsity.isEmpty ? 0 : perSeries[0].count) { rows += perSeries.map { $0[k] } }
        rows += patchRows
        return applyHolm(rows, alpha: configuration.alpha) { holmFamily($0, acrossLadders: false) }
    }

    /// Re-applies Holm across ladders: one family per test (× primary/exploratory × strata) over all the
    /// given rows (e.g. the rows of every ladder in a run), recomputing `correctedP` and `verdict`. Use
    /// it for the D.6 protocol's "Holm across metrics × ladders".
    public static func correctAcrossLadders(_ rows: [StudyResultRow], alpha: Double = 0.05) -> [StudyResultRow] {
        applyHolm(rows, alpha: alpha) { holmFamily($0, acrossLadders: true) }
    }

    /// The Holm family of a row: test, ladder (unless across ladders), confirmatory (primary) or
    /// exploratory, and whether it is a stratum row.
    static func holmFamily(_ row: StudyResultRow, acrossLadders: Bool) -> String {
        [row.test.rawValue, acrossLadders ? "" : row.ladder, row.isPrimary ? "primary" : "exploratory",
         row.stratum.isEmpty ? "" : "strata"].joined(separator: "|")
    }

    static func applyHolm(_ rows: [StudyResultRow], alpha: Double, family: (StudyResultRow) -> String) -> [StudyResultRow] {
        var out = rows
        var families: [String: [Int]] = [:]
        var familyOrder: [String] = []
        for (i, row) in rows.enumerated() {
            let key = family(row)
            if families[key] == nil { familyOrder.append(key) }
            families[key, default: []].append(i)
        }
        for key in familyOrder {
            let indices = families[key]!
            let adjusted = MultipleTesting.holm(indices.map { rows[$0].p })
            for (k, i) in indices.enumerated() {
                out[i].correctedP = adjusted[k]
                out[i].verdict = Verdict.decide(n: out[i].n, estimate: out[i].estimate, ciLow: out[i].ciLow,
                                                ciHigh: out[i].ciHigh, correctedP: adjusted[k], alpha: alpha,
                                                direction: out[i].direction)
            }
        }
        return out
    }

    // MARK: - Validation

    static func validate(_ input: StudyInput) throws {
        let items = input.items.count, levels = input.levels.count
        func checkShape(_ values: [[Double]], _ name: String) throws {
            guard values.count == items else {
                throw StatisticsError.invalidParameter(name: name, reason: "\(values.count) item rows for \(items) items")
            }
            for (i, row) in values.enumerated() where row.count != levels {
                throw StatisticsError.invalidParameter(name: name, reason: "item \(input.items[i]) has \(row.count) values for \(levels) levels")
            }
        }
        try checkShape(input.entropy, "entropy")
        for s in input.sparsity { try checkShape(s.values, "sparsity \(s.hook)/\(s.measure)") }
        if let p = input.patches {
            let n = p.item.count
            for (name, count) in [("level", p.level.count), ("entropy", p.entropy.count), ("length", p.length.count), ("position", p.position.count)]
            where count != n {
                throw StatisticsError.lengthMismatch("patches.item", n, "patches.\(name)", count)
            }
            for s in p.sparsity where s.values.count != n {
                throw StatisticsError.lengthMismatch("patches.item", n, "patches sparsity \(s.hook)/\(s.measure)", s.values.count)
            }
            if let bad = p.item.firstIndex(where: { $0 < 0 || $0 >= items }) {
                throw StatisticsError.invalidParameter(name: "patches.item", reason: "index \(p.item[bad]) at patch \(bad) is outside 0..<\(items)")
            }
            if let bad = p.level.firstIndex(where: { $0 < 0 || $0 >= levels }) {
                throw StatisticsError.invalidParameter(name: "patches.level", reason: "index \(p.level[bad]) at patch \(bad) is outside 0..<\(levels)")
            }
        }
    }

    // MARK: - Shared row pieces

    static func emptyRow(_ test: StudyTest, _ input: StudyInput, hook: String, measure: String, isPrimary: Bool,
                         n: Int, note: String, direction: EffectDirection = .none, stratum: String = "") -> StudyResultRow {
        var row = StudyResultRow(test: test, question: test.question, ladder: input.ladder, hook: hook, measure: measure,
                                 isPrimary: isPrimary, estimator: test.estimator, pTest: test.pTest, ciMethod: nil, n: n,
                                 estimate: nil, ciLow: nil, ciHigh: nil, p: nil, correctedP: nil, verdict: .insufficientData,
                                 note: join(direction == .notSparsity ? notSparsityNote : "", note))
        row.direction = direction
        row.stratum = stratum
        return row
    }

    /// Note on rows of a measure that is not a sparsity measure.
    static let notSparsityNote = "not a sparsity measure: \"tracks difficulty\" means the value rises"

    /// Stable 64-bit seed for a row: FNV-1a over its identity, mixed with the base seed.
    static func rowSeed(_ base: UInt64, _ parts: [String]) -> UInt64 {
        var mixer = SplitMix64(seed: FNV1a64.hash(parts.joined(separator: "\u{1F}").utf8) ^ base)
        return mixer.next()
    }

    /// Sets estimate, p, CI and the oriented verdict of a row.
    static func fill(_ row: inout StudyResultRow, estimate: Double, p: Double, interval: BootstrapInterval?,
                     configuration: StudyConfiguration) {
        row.estimate = estimate
        row.p = p
        row.ciLow = interval?.low
        row.ciHigh = interval?.high
        row.ciMethod = interval?.method.rawValue
        if interval == nil { row.note = join("bootstrap interval undefined", row.note) }
        row.verdict = Verdict.decide(n: row.n, estimate: estimate, ciLow: row.ciLow, ciHigh: row.ciHigh, correctedP: p,
                                     alpha: configuration.alpha, direction: row.direction)
    }

    /// Fills a row whose estimate is the mean of independent per-item values (τ, or τ differences):
    /// cluster-bootstrap CI of that mean seeded from `seedParts`, the oriented verdict for `p`, and the
    /// TOST of the mean against ±`configuration.equivalenceDelta`.
    static func fillMean(_ row: inout StudyResultRow, of values: [Double], p: Double, seedParts: [String],
                         configuration: StudyConfiguration) throws {
        let interval = try ClusterBootstrap.interval(clusterCount: values.count, resampleCount: configuration.bootstrapResamples,
                                                     seed: rowSeed(configuration.seed, seedParts),
                                                     level: configuration.confidenceLevel, method: configuration.bootstrapMethod) { clusters in
            clusters.reduce(0.0) { $0 + values[$1] } / Double(clusters.count)
        }
        fill(&row, estimate: values.reduce(0, +) / Double(values.count), p: p, interval: interval, configuration: configuration)
        row.equivalenceDelta = configuration.equivalenceDelta
        row.tostP = Equivalence.tostP(values: values, delta: configuration.equivalenceDelta)
    }

    static func join(_ a: String, _ b: String) -> String {
        [a, b].filter { !$0.isEmpty }.joined(separator: "; ")
    }
}
