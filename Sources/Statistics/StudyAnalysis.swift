/// The study's tests on plain arrays (no model needed).
///
/// For one ladder, `analyze` produces, in this order:
/// - (a) one `entropy_tracks_level` row: Page's L (two-sided: 2·min of the increasing and decreasing
///   one-sided p, capped at 1) on `entropy[item][level]`, estimate = mean within-item Kendall τ-b
///   between level index and value, CI = cluster bootstrap over items;
/// - (b) one `sparsity_tracks_level` row per `LevelSeries`, same method, Holm-corrected across all
///   hooks × measures of the ladder;
/// - (c) one `sparsity_beyond_entropy` row per `LevelSeries`: OLS sparsity ~ level index + entropy with
///   item fixed effects; estimate = level coefficient (change per level step, entropy held fixed),
///   p = cluster-robust (CR1, by item) t-test with G − 1 df, CI = cluster bootstrap (exact refits);
///   Holm across the ladder's (c) rows;
/// - (d) if `patches` is given, one `entropy_sparsity_patch_correlation` row per `PatchSeries`:
///   partial correlation of patch entropy and patch sparsity controlling for patch length and
///   position with one fixed effect per (item, level) text — a purely within-text association, not
///   confounded by level — p from the cluster-robust t-test (by item) of the entropy slope in the
///   same regression, CI = cluster bootstrap over items (exact refits); Holm across (d) rows.
///
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
                                 isPrimary: true, values: input.entropy, configuration: configuration))
        // Rows are independent (each bootstrap is seeded from the row's identity), so `threads` only
        // changes how fast they come, not what they are.
        let perSeries = try orderedParallelMap(input.sparsity.count, threads: threads) { i in
            let series = input.sparsity[i]
            let primary = series.measure == configuration.primarySparsityMeasure
            return (try trendRow(test: .sparsityTracksLevel, input: input, hook: series.hook, measure: series.measure,
                                 isPrimary: primary, values: series.values, configuration: configuration),
                    try beyondEntropyRow(input: input, series: series, isPrimary: primary, configuration: configuration))
        }
        var patchRows: [StudyResultRow] = []
        if let patches = input.patches {
            patchRows = try orderedParallelMap(patches.sparsity.count, threads: threads) { i in
                let series = patches.sparsity[i]
                return try patchRow(input: input, patches: patches, series: series,
                                    isPrimary: series.measure == configuration.primarySparsityMeasure,
                                    configuration: configuration)
            }
        }
        rows += perSeries.map(\.0) + perSeries.map(\.1) + patchRows
        return applyHolm(rows, alpha: configuration.alpha) { "\($0.test.rawValue)|\($0.ladder)" }
    }

    /// Re-applies Holm across ladders: one family per test over all the given rows (e.g. the rows of
    /// every ladder in a run), recomputing `correctedP` and `verdict`. Use it for the D.6 protocol's
    /// "Holm across metrics × ladders".
    public static func correctAcrossLadders(_ rows: [StudyResultRow], alpha: Double = 0.05) -> [StudyResultRow] {
        applyHolm(rows, alpha: alpha) { $0.test.rawValue }
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
                                                ciHigh: out[i].ciHigh, correctedP: adjusted[k], alpha: alpha)
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

    // MARK: - Row builders

    static func emptyRow(_ test: StudyTest, _ input: StudyInput, hook: String, measure: String, isPrimary: Bool,
                         n: Int, note: String) -> StudyResultRow {
        StudyResultRow(test: test, question: test.question, ladder: input.ladder, hook: hook, measure: measure,
                       isPrimary: isPrimary, estimator: test.estimator, pTest: test.pTest, ciMethod: nil, n: n,
                       estimate: nil, ciLow: nil, ciHigh: nil, p: nil, correctedP: nil, verdict: .insufficientData, note: note)
    }

    /// Stable 64-bit seed for a row: FNV-1a over its identity, mixed with the base seed.
    static func rowSeed(_ base: UInt64, _ parts: [String]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in parts.joined(separator: "\u{1F}").utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        var mixer = SplitMix64(seed: h ^ base)
        return mixer.next()
    }

    static func trendRow(test: StudyTest, input: StudyInput, hook: String, measure: String, isPrimary: Bool,
                         values: [[Double]], configuration: StudyConfiguration) throws -> StudyResultRow {
        let complete = values.filter { $0.allSatisfy(\.isFinite) }
        let n = complete.count
        let dropped = values.count - n
        let dropNote = dropped > 0 ? "\(dropped) item(s) with non-finite values dropped" : ""
        guard input.levels.count >= 3 else {
            return emptyRow(test, input, hook: hook, measure: measure, isPrimary: isPrimary, n: n, note: "fewer than 3 levels")
        }
        guard n >= 3 else {
            return emptyRow(test, input, hook: hook, measure: measure, isPrimary: isPrimary, n: n,
                            note: join("fewer than 3 items with finite values", dropNote))
        }
        let taus = try TrendEffect.withinBlockKendallTaus(complete).map { $0 ?? 0 }
        if complete.allSatisfy({ row in row.allSatisfy { $0 == row[0] } }) {
            return emptyRow(test, input, hook: hook, measure: measure, isPrimary: isPrimary, n: n,
                            note: join("values constant across levels in every item", dropNote))
        }
        guard let increasing = try PageTrendTest.test(complete),
              let decreasing = try PageTrendTest.test(complete.map { Array($0.reversed()) }) else {
            return emptyRow(test, input, hook: hook, measure: measure, isPrimary: isPrimary, n: n, note: "Page's L undefined")
        }
        let p = min(1, 2 * min(increasing.pValue, decreasing.pValue))
        let seed = rowSeed(configuration.seed, [test.rawValue, input.ladder, hook, measure])
        let interval = try ClusterBootstrap.interval(clusterCount: n, resampleCount: configuration.bootstrapResamples, seed: seed,
                                                     level: configuration.confidenceLevel, method: configuration.bootstrapMethod) { clusters in
            clusters.reduce(0.0) { $0 + taus[$1] } / Double(clusters.count)
        }
        let estimate = taus.reduce(0, +) / Double(n)
        var row = emptyRow(test, input, hook: hook, measure: measure, isPrimary: isPrimary, n: n, note: dropNote)
        row.estimate = estimate
        row.p = p
        row.ciLow = interval?.low
        row.ciHigh = interval?.high
        row.ciMethod = interval?.method.rawValue
        if interval == nil { row.note = join("bootstrap interval undefined", dropNote) }
        row.verdict = Verdict.decide(n: n, estimate: estimate, ciLow: row.ciLow, ciHigh: row.ciHigh, correctedP: p,
                                     alpha: configuration.alpha)
        return row
    }

    static func beyondEntropyRow(input: StudyInput, series: LevelSeries, isPrimary: Bool,
                                 configuration: StudyConfiguration) throws -> StudyResultRow {
        let test = StudyTest.sparsityBeyondEntropy
        let levels = input.levels.count
        let kept = input.items.indices.filter { i in
            series.values[i].allSatisfy(\.isFinite) && input.entropy[i].allSatisfy(\.isFinite)
        }
        let n = kept.count
        let dropped = input.items.count - n
        let dropNote = dropped > 0 ? "\(dropped) item(s) with non-finite values dropped" : ""
        guard n >= 3, levels >= 2 else {
            return emptyRow(test, input, hook: series.hook, measure: series.measure, isPrimary: isPrimary, n: n,
                            note: join(levels < 2 ? "fewer than 2 levels" : "fewer than 3 items with finite values", dropNote))
        }
        if kept.allSatisfy({ i in series.values[i].allSatisfy { $0 == series.values[i][0] } }) {
            return emptyRow(test, input, hook: series.hook, measure: series.measure, isPrimary: isPrimary, n: n,
                            note: join("values constant across levels in every item", dropNote))
        }
        var y: [Double] = [], level: [Double] = [], entropy: [Double] = [], item: [Int] = []
        for (code, i) in kept.enumerated() {
            for l in 0..<levels {
                y.append(series.values[i][l]); level.append(Double(l)); entropy.append(input.entropy[i][l]); item.append(code)
            }
        }
        guard let fit = try OrdinaryLeastSquares.fit(y: y, covariates: [level, entropy], names: ["level", "entropy"],
                                                     fixedEffectGroups: item, clusters: item),
              let levelRow = fit.coefficient(named: "level") else {
            return emptyRow(test, input, hook: series.hook, measure: series.measure, isPrimary: isPrimary, n: n,
                            note: join("degenerate design (level collinear with entropy, or constant)", dropNote))
        }
        // Per-item Gram matrices of the within-item demeaned (y, level, entropy) make every bootstrap
        // resample an exact refit in O(items).
        let demeaned = [y, level, entropy].map { demeanWithinGroups($0, codes: item, groupCount: n) }
        let grams = ClusterGrams(columns: demeaned, clusterCodes: item, clusterCount: n)
        let seed = rowSeed(configuration.seed, [test.rawValue, input.ladder, series.hook, series.measure])
        let interval = try ClusterBootstrap.interval(clusterCount: n, resampleCount: configuration.bootstrapResamples, seed: seed,
                                                     level: configuration.confidenceLevel, method: configuration.bootstrapMethod) { clusters in
            ClusterGrams.regressionCoefficients(grams.total(clusters), dimension: 3)?[0]
        }
        var row = emptyRow(test, input, hook: series.hook, measure: series.measure, isPrimary: isPrimary, n: n, note: dropNote)
        row.estimate = levelRow.estimate
        row.p = levelRow.p
        row.ciLow = interval?.low
        row.ciHigh = interval?.high
        row.ciMethod = interval?.method.rawValue
        if interval == nil { row.note = join("bootstrap interval undefined", dropNote) }
        row.verdict = Verdict.decide(n: n, estimate: row.estimate, ciLow: row.ciLow, ciHigh: row.ciHigh, correctedP: row.p,
                                     alpha: configuration.alpha)
        return row
    }

    static func patchRow(input: StudyInput, patches: PatchTable, series: PatchSeries, isPrimary: Bool,
                         configuration: StudyConfiguration) throws -> StudyResultRow {
        let test = StudyTest.entropySparsityPatchCorrelation
        let levels = input.levels.count
        let use = patches.item.indices.filter { k in
            patches.entropy[k].isFinite && series.values[k].isFinite && patches.length[k].isFinite && patches.position[k].isFinite
        }
        let droppedPatches = patches.item.count - use.count
        let dropNote = droppedPatches > 0 ? "\(droppedPatches) patch(es) with non-finite values dropped" : ""
        let (itemCodes, itemCount) = denseGroups(use.map { patches.item[$0] })
        let sequenceLabels = use.map { patches.item[$0] * levels + patches.level[$0] }
        let (sequenceCodes, sequenceCount) = denseGroups(sequenceLabels)
        guard itemCount >= 3 else {
            return emptyRow(test, input, hook: series.hook, measure: series.measure, isPrimary: isPrimary, n: itemCount,
                            note: join("fewer than 3 items with patches", dropNote))
        }
        let entropy = use.map { patches.entropy[$0] }
        let sparsity = use.map { series.values[$0] }
        let length = use.map { patches.length[$0] }
        let position = use.map { patches.position[$0] }
        // A control with no variation within texts (e.g. patch length under fixed-size patching) is
        // absorbed by the text fixed effects already; drop it rather than declare the design singular.
        var controlNames: [String] = [], controls: [[Double]] = [], notes: [String] = []
        for (name, column) in [("length", length), ("position", position)] {
            let within = demeanWithinGroups(column, codes: sequenceCodes, groupCount: sequenceCount)
            let spread = within.reduce(0) { $0 + $1 * $1 }
            let scale = column.reduce(0) { $0 + $1 * $1 }
            if spread > 1e-20 * max(scale, 1e-300) { controlNames.append(name); controls.append(column) }
            else { notes.append("\(name) constant within texts (absorbed)") }
        }
        let demeaned = ([entropy, sparsity] + controls).map {
            demeanWithinGroups($0, codes: sequenceCodes, groupCount: sequenceCount)
        }
        let dimension = demeaned.count
        let grams = ClusterGrams(columns: demeaned, clusterCodes: itemCodes, clusterCount: itemCount)
        let baseNote = join(notes.joined(separator: "; "), dropNote)
        guard let estimate = ClusterGrams.partialCorrelation(grams.total(Array(0..<itemCount)), dimension: dimension),
              let fit = try OrdinaryLeastSquares.fit(y: sparsity, covariates: [entropy] + controls,
                                                     names: ["entropy"] + controlNames,
                                                     fixedEffectGroups: sequenceLabels, clusters: itemCodes),
              let slope = fit.coefficient(named: "entropy") else {
            return emptyRow(test, input, hook: series.hook, measure: series.measure, isPrimary: isPrimary, n: itemCount,
                            note: join("degenerate design (no within-text variation after controls)", baseNote))
        }
        let seed = rowSeed(configuration.seed, [test.rawValue, input.ladder, series.hook, series.measure])
        let interval = try ClusterBootstrap.interval(clusterCount: itemCount, resampleCount: configuration.bootstrapResamples, seed: seed,
                                                     level: configuration.confidenceLevel, method: configuration.bootstrapMethod) { clusters in
            ClusterGrams.partialCorrelation(grams.total(clusters), dimension: dimension)
        }
        var row = emptyRow(test, input, hook: series.hook, measure: series.measure, isPrimary: isPrimary, n: itemCount, note: baseNote)
        row.estimate = estimate
        row.p = slope.p
        row.ciLow = interval?.low
        row.ciHigh = interval?.high
        row.ciMethod = interval?.method.rawValue
        if interval == nil { row.note = join("bootstrap interval undefined", baseNote) }
        row.verdict = Verdict.decide(n: itemCount, estimate: estimate, ciLow: row.ciLow, ciHigh: row.ciHigh, correctedP: row.p,
                                     alpha: configuration.alpha)
        return row
    }

    private static func join(_ a: String, _ b: String) -> String {
        [a, b].filter { !$0.isEmpty }.joined(separator: "; ")
    }
}
