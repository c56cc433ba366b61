import Foundation
import HDF5Store
import Metrics
import Statistics

/// "Are the model's own signals the difficulty estimator?": each signal judged as a predictor of the
/// level, item by item as a router would see it, next to an explicit learned judge.
extension ReportMarkdown {
    /// Ridge penalty and folds of the learned judge (fixed before looking at results).
    static let judgeLambda = 1.0, judgeFolds = 5

    func predictorSection() -> [String] {
        var lines = ["## Difficulty signals as predictors", ""]
        lines.append("How well does each signal rank single items by level, without seeing the item's other levels? AUROC: the chance "
                     + "that a last-level item scores higher than a first-level item (0.5 = chance, below 0.5 = the signal runs the "
                     + "other way; 95 % percentile bootstrap CI over base items); adjacent: the mean AUROC over pairs of neighbouring "
                     + "levels; ρ: Spearman over all (item, level) cells with the level index and with the model's measured loss. "
                     + "The **learned judge** is an explicit difficulty estimator of the router kind: a ridge regression (λ = "
                     + "\(Self.number(Self.judgeLambda)), standardised features) from every hook's raw sparsity measures at the "
                     + "probe position to the level index, scored out of fold (\(Self.judgeFolds) folds of whole base items). "
                     + "Last column: at a fixed level, does the signal predict how well the model does on the item beyond entropy? "
                     + "Partial Pearson r of the signal and the measured loss given the item's entropy, within levels (p from its t-test).")
        for ladder in data.ladders {
            let predictions = (try? predictions(ladder: ladder)) ?? []
            guard !predictions.isEmpty else { continue }
            lines.append("")
            lines.append("**\(Self.cell(ladder))**")
            lines.append("")
            lines.append("| signal | AUROC first vs last level | AUROC adjacent levels | ρ with level | ρ with measured loss | r with loss given entropy, within levels |")
            lines.append("|---|---|---|---|---|---|")
            for p in predictions {
                let ci = p.aurocExtremeLow.map { lo in " [\(Self.number(lo)), \(Self.number(p.aurocExtremeHigh))]" } ?? ""
                lines.append("| \(p.signal) | \(Self.number(p.aurocExtreme))\(ci) | \(Self.number(p.aurocAdjacent)) | "
                             + "\(Self.number(p.spearmanLevel)) | \(Self.number(p.spearmanLoss)) | "
                             + (p.partialLoss == nil ? "— |" : "\(Self.number(p.partialLoss)) (p \(Self.pValue(p.partialLossP))) |"))
            }
        }
        return lines
    }

    /// Entropy, the model's loss, the primary hooks' primary measure and the learned judge, for one ladder.
    func predictions(ladder: String) throws -> [SignalPrediction] {
        let loss = measuredLoss(ladder: ladder)
        let entropyTable = data.metrics[ItemMetrics.meanEntropyBits].map { e in data.table(ladder: ladder) { e[$0] } }
        var signals: [(String, [[Double]])] = []
        if let entropy = data.metrics[ItemMetrics.meanEntropyBits] {
            signals.append(("entropy `\(ItemMetrics.meanEntropyBits)`", data.table(ladder: ladder) { entropy[$0] }))
        }
        if let loss { signals.append(("measured loss `\(loss.metric)`", loss.table)) }
        let column = data.primaryColumn
        let hooks = data.primaryHooks.isEmpty ? Array(data.layout.probeHooks.prefix(4)) : data.primaryHooks.filter { data.layout.probeHooks.contains($0) }
        for hook in hooks {
            signals.append(("`\(column)` at `\(hook)`", data.table(ladder: ladder) { data.probeValue(column, hook: hook, item: $0) }))
        }
        if let judge = try judgeTable(ladder: ladder) { signals.append(("**learned judge** (ridge, out of fold)", judge)) }
        return try signals.map { name, table in
            // The partial correlation given entropy is not defined for entropy and the loss themselves.
            let isOwnCovariate = name.hasPrefix("entropy") || name.hasPrefix("measured loss")
            return try DifficultyPredictors.evaluate(signal: name, values: table, loss: loss?.table,
                                              entropy: isOwnCovariate ? nil : entropyTable,
                                              seed: FNV1a64.hash("predictor|\(ladder)|\(name)".utf8))
        }
    }

    /// The model's loss per item as the statistics use it: the answer's loss where the ladder has
    /// answers, else bits per byte over the span.
    func measuredLoss(ladder: String) -> (metric: String, table: [[Double]])? {
        let items = data.items(of: ladder)
        if let answer = data.metrics[ItemMetrics.answerLossBits], items.contains(where: { answer[$0].isFinite }) {
            return (ItemMetrics.answerLossBits, data.table(ladder: ladder) { answer[$0] })
        }
        guard let span = data.metrics[ItemMetrics.bitsPerByte] else { return nil }
        return (ItemMetrics.bitsPerByte, data.table(ladder: ladder) { span[$0] })
    }

    /// Out-of-fold predictions of the ridge judge as an items × levels table (nil without probe measures).
    func judgeTable(ladder: String) throws -> [[Double]]? {
        let columns = data.layout.measureColumns.filter { SparsityVariant.parse(columnName: $0)?.variant == .raw }
        let hooks = data.layout.probeHooks
        guard !columns.isEmpty, !hooks.isEmpty else { return nil }
        let levels = data.levels(of: ladder), bases = data.baseItems(of: ladder)
        let levelPosition = Dictionary(uniqueKeysWithValues: levels.enumerated().map { ($1.index, $0) })
        let basePosition = Dictionary(uniqueKeysWithValues: bases.enumerated().map { ($1, $0) })
        let items = data.items(of: ladder)
        let features = items.map { i in columns.flatMap { c in hooks.map { data.probeValue(c, hook: $0, item: i) } } }
        let target = items.map { Double(levelPosition[data.records[$0].levelIndex]!) }
        let groups = items.map { basePosition[data.records[$0].baseItemID]! }
        let predicted = try DifficultyPredictors.ridgeOutOfFold(features: features, target: target, groups: groups,
                                                                folds: Self.judgeFolds, lambda: Self.judgeLambda)
        var table = [[Double]](repeating: [Double](repeating: .nan, count: levels.count), count: bases.count)
        for k in items.indices { table[groups[k]][Int(target[k])] = predicted[k] }
        return table
    }
}
