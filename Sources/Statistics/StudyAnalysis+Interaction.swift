import Parallelism
/// Test (g), the patch-length control: the same items run under the study's patching and under
/// fixed-size patching (the control arm). If a sparsity trend with level comes from patch size — the
/// probe's patch shrinks on hard inputs, and the global stream pools fewer bytes — it weakens or
/// vanishes in the control arm.
extension StudyAnalysis {
    /// One `patching_interaction` row per sparsity series present in both inputs: the mean over items
    /// of (within-item τ of sparsity vs level in `main`) − (the same in `control`), items paired by id;
    /// p = two-sided Wilcoxon signed-rank test of the per-item differences; CI = cluster bootstrap.
    /// The verdict is oriented like (b): "tracks difficulty" = the trend towards *sparser on harder
    /// inputs* is stronger under the study's patching than under fixed patching. Holm per ladder ×
    /// primary/exploratory.
    public static func patchingInteraction(main: StudyInput, control: StudyInput,
                                           configuration: StudyConfiguration = StudyConfiguration(),
                                           threads: Int = 1) throws -> [StudyResultRow] {
        try armDifference(.patchingInteraction, main: main, control: control, configuration: configuration, threads: threads)
    }

    /// Test (h), the model control: the same as (g) with the untrained control model's arm (same items,
    /// same patches, random weights) in place of the fixed-patching arm. "Tracks difficulty" = the trend
    /// towards sparser on harder inputs is stronger in the trained model than in the control; a (b)
    /// finding is beyond the control when (h) has the same verdict. Holm per ladder × primary/exploratory.
    public static func modelControlDifference(main: StudyInput, control: StudyInput,
                                              configuration: StudyConfiguration = StudyConfiguration(),
                                              threads: Int = 1) throws -> [StudyResultRow] {
        try armDifference(.modelControlDifference, main: main, control: control, configuration: configuration, threads: threads)
    }

    /// Mean over items of (within-item τ of sparsity vs level in `main`) − (the same in `control`), per
    /// sparsity series present in both, items paired by id; Wilcoxon p, cluster-bootstrap CI.
    static func armDifference(_ test: StudyTest, main: StudyInput, control: StudyInput,
                              configuration: StudyConfiguration, threads: Int) throws -> [StudyResultRow] {
        guard main.levels == control.levels else {
            throw StatisticsError.invalidParameter(name: "control", reason: "levels \(control.levels) differ from \(main.levels)")
        }
        let controlItem = Dictionary(control.items.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let controlSeries = Dictionary(control.sparsity.map { ("\($0.hook)|\($0.measure)", $0) }, uniquingKeysWith: { a, _ in a })
        let rows = try orderedParallelMap(main.sparsity.count, threads: threads) { s -> StudyResultRow? in
            let series = main.sparsity[s]
            guard let other = controlSeries["\(series.hook)|\(series.measure)"] else { return nil }
            let primary = configuration.isPrimary(hook: series.hook, measure: series.measure)
            var differences: [Double] = []
            for (i, id) in main.items.enumerated() {
                guard let j = controlItem[id], series.values[i].allSatisfy(\.isFinite), other.values[j].allSatisfy(\.isFinite)
                else { continue }
                let taus = try TrendEffect.withinBlockKendallTaus([series.values[i], other.values[j]])
                differences.append(tieSafe((taus[0] ?? 0) - (taus[1] ?? 0)))
            }
            let n = differences.count
            var row = emptyRow(test, main, hook: series.hook, measure: series.measure, isPrimary: primary, n: n,
                               note: "control arm: \(control.ladder)", direction: series.direction)
            guard main.levels.count >= 3 else { row.note = join(row.note, "fewer than 3 levels"); return row }
            guard n >= 3 else { row.note = join(row.note, "fewer than 3 paired items"); return row }
            guard differences.contains(where: { $0 != 0 }), let p = try WilcoxonSignedRank.test(differences: differences).pValue else {
                row.note = join(row.note, "no difference in any item"); return row
            }
            try fillMean(&row, of: differences, p: p, seedParts: [test.rawValue, main.ladder, series.hook, series.measure],
                         configuration: configuration)
            return row
        }.compactMap { $0 }
        return applyHolm(rows, alpha: configuration.alpha) { holmFamily($0, acrossLadders: false) }
    }
}
