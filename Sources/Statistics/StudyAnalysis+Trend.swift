/// Tests (a), (0), (b): within-item monotone trend with the level; (e), (f): within-item association
/// with the model's measured loss.
extension StudyAnalysis {
    /// τ values (and their differences) are rationals computed in floating point: two items with the
    /// same τ can differ in the last bit depending on summation order, which would break the ties the
    /// signed-rank test relies on. Rounding to 12 decimals makes equal values tie in any implementation.
    static func tieSafe(_ x: Double) -> Double { (x * 1e12).rounded() / 1e12 }

    static func trendRow(test: StudyTest, input: StudyInput, hook: String, measure: String, isPrimary: Bool,
                         values: [[Double]], direction: EffectDirection,
                         configuration: StudyConfiguration) throws -> StudyResultRow {
        let complete = values.filter { $0.allSatisfy(\.isFinite) }
        let n = complete.count
        let dropped = values.count - n
        let dropNote = dropped > 0 ? "\(dropped) item(s) with non-finite values dropped" : ""
        func empty(_ note: String) -> StudyResultRow {
            emptyRow(test, input, hook: hook, measure: measure, isPrimary: isPrimary, n: n, note: note, direction: direction)
        }
        guard input.levels.count >= 3 else { return empty("fewer than 3 levels") }
        guard n >= 3 else { return empty(join("fewer than 3 items with finite values", dropNote)) }
        let taus = try TrendEffect.withinBlockKendallTaus(complete).map { $0 ?? 0 }
        if complete.allSatisfy({ row in row.allSatisfy { $0 == row[0] } }) {
            return empty(join("values constant across levels in every item", dropNote))
        }
        guard let increasing = try PageTrendTest.test(complete),
              let decreasing = try PageTrendTest.test(complete.map { Array($0.reversed()) }) else {
            return empty("Page's L undefined")
        }
        let p = min(1, 2 * min(increasing.pValue, decreasing.pValue))
        var row = empty(dropNote)
        try fillMean(&row, of: taus, p: p, seedParts: [test.rawValue, input.ladder, hook, measure], configuration: configuration)
        return row
    }

    /// Mean within-item Kendall τ-b between `values[item][·]` and `loss[item][·]` across levels (how
    /// the signal follows the difficulty the model actually experiences, not the level index); p =
    /// two-sided Wilcoxon signed-rank test of the per-item τ against 0; CI = cluster bootstrap.
    static func lossRow(test: StudyTest, input: StudyInput, hook: String, measure: String, isPrimary: Bool,
                        values: [[Double]], loss: [[Double]], direction: EffectDirection,
                        configuration: StudyConfiguration) throws -> StudyResultRow {
        let kept = values.indices.filter { i in
            i < loss.count && values[i].allSatisfy(\.isFinite) && loss[i].allSatisfy(\.isFinite)
        }
        let n = kept.count
        let dropped = values.count - n
        let dropNote = dropped > 0 ? "\(dropped) item(s) with non-finite values dropped" : ""
        func empty(_ note: String) -> StudyResultRow {
            emptyRow(test, input, hook: hook, measure: measure, isPrimary: isPrimary, n: n, note: note, direction: direction)
        }
        guard input.levels.count >= 3 else { return empty("fewer than 3 levels") }
        guard n >= 3 else { return empty(join("fewer than 3 items with finite values and loss", dropNote)) }
        let taus = try kept.map { i in tieSafe(try Correlation.kendallTauB(loss[i], values[i]).estimate ?? 0) }
        guard taus.contains(where: { $0 != 0 }) else {
            return empty(join("no within-item association defined (constant values or loss)", dropNote))
        }
        guard let p = try WilcoxonSignedRank.test(differences: taus).pValue else { return empty("Wilcoxon p undefined") }
        var row = empty(dropNote)
        try fillMean(&row, of: taus, p: p, seedParts: [test.rawValue, input.ladder, hook, measure], configuration: configuration)
        return row
    }
}
