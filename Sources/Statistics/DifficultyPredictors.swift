/// How well a per-item signal ranks items by difficulty level, the way a router would use it: one
/// item at a time, without its base item's other levels.
///
/// Inputs are `values[item][level]` tables (NaN = missing). Every statistic pools (item, level) cells:
/// - `aurocExtreme`: P(value of a last-level item > value of a first-level item), ties ½ (the
///   Mann–Whitney AUC, `sklearn.metrics.roc_auc_score` with the last level as positive); 0.5 = chance,
///   below 0.5 = the signal runs the other way;
/// - `aurocAdjacent`: the mean of that AUC over each pair of adjacent levels (how finely it separates);
/// - `spearmanLevel`, `spearmanLoss`: Spearman ρ with the level index and with the model's loss;
/// - `partialLoss`, `partialLossP`: with `entropy`, the partial Pearson r of the signal and the loss given
///   the entropy, within levels (one intercept per level): at a fixed level, does the signal say how
///   well the model does on the item beyond what entropy says? p from its t-test.
/// The CI of `aurocExtreme` is a percentile cluster bootstrap over base items.
public struct SignalPrediction: Sendable, Equatable {
    public var signal: String
    /// Items with a finite value at both the first and the last level.
    public var n: Int
    public var aurocExtreme: Double?
    public var aurocExtremeLow: Double?
    public var aurocExtremeHigh: Double?
    public var aurocAdjacent: Double?
    public var spearmanLevel: Double?
    public var spearmanLoss: Double?
    public var partialLoss: Double?
    public var partialLossP: Double?
}

public enum DifficultyPredictors {
    /// The Mann–Whitney AUC of `positives` against `negatives` (ties count ½); nil if either is empty.
    public static func auroc(negatives: [Double], positives: [Double]) -> Double? {
        guard !negatives.isEmpty, !positives.isEmpty else { return nil }
        let ranks = Ranking.averageRanks(negatives + positives)
        let positiveRankSum = ranks[negatives.count...].reduce(0, +)
        let np = Double(positives.count), nn = Double(negatives.count)
        return (positiveRankSum - np * (np + 1) / 2) / (np * nn)
    }

    /// The signal's prediction statistics (see ``SignalPrediction``). `loss` has the shape of `values`.
    public static func evaluate(signal: String, values: [[Double]], loss: [[Double]]?, entropy: [[Double]]? = nil,
                                seed: UInt64, resamples: Int = 2000) throws -> SignalPrediction {
        let levels = values.first?.count ?? 0
        func column(_ level: Int, items: [Int]) -> [Double] { items.map { values[$0][level] }.filter(\.isFinite) }
        let all = Array(values.indices)
        var result = SignalPrediction(signal: signal, n: 0)
        guard levels >= 2 else { return result }
        let both = all.filter { values[$0][0].isFinite && values[$0][levels - 1].isFinite }
        result.n = both.count
        result.aurocExtreme = auroc(negatives: column(0, items: all), positives: column(levels - 1, items: all))
        if both.count >= 3, result.aurocExtreme != nil {
            let interval = try ClusterBootstrap.interval(clusterCount: values.count, resampleCount: resamples, seed: seed,
                                                         method: .percentile) { sample in
                auroc(negatives: column(0, items: sample), positives: column(levels - 1, items: sample))
            }
            result.aurocExtremeLow = interval?.low
            result.aurocExtremeHigh = interval?.high
        }
        let adjacent = (0..<(levels - 1)).compactMap { l in auroc(negatives: column(l, items: all), positives: column(l + 1, items: all)) }
        result.aurocAdjacent = adjacent.isEmpty ? nil : adjacent.reduce(0, +) / Double(adjacent.count)
        var level: [Double] = [], value: [Double] = [], lossValue: [Double] = [], lossSignal: [Double] = []
        for i in all {
            for l in 0..<levels where values[i][l].isFinite {
                level.append(Double(l)); value.append(values[i][l])
                if let loss, loss[i][l].isFinite { lossValue.append(loss[i][l]); lossSignal.append(values[i][l]) }
            }
        }
        result.spearmanLevel = level.count >= 3 ? try Correlation.spearman(value, level).estimate : nil
        result.spearmanLoss = lossValue.count >= 3 ? try Correlation.spearman(lossSignal, lossValue).estimate : nil
        if let loss, let entropy {
            var x: [Double] = [], y: [Double] = [], e: [Double] = [], group: [Int] = []
            for i in all {
                for l in 0..<levels where values[i][l].isFinite && loss[i][l].isFinite && entropy[i][l].isFinite {
                    x.append(values[i][l]); y.append(loss[i][l]); e.append(entropy[i][l]); group.append(l)
                }
            }
            if x.count >= 4 {
                let r = try Correlation.partial(x, y, covariates: [e], fixedEffectGroups: group)
                result.partialLoss = r.estimate
                result.partialLossP = r.pValue
            }
        }
        return result
    }

    /// Out-of-fold predictions of a ridge regression of `target` on `features` (rows = observations),
    /// with folds made of whole groups (base items: fold = group mod `folds`), features standardised
    /// on each training fold, an unpenalised intercept and penalty `lambda` on the standardised
    /// coefficients. Rows with a non-finite feature or target get NaN. This is the explicit, learned
    /// difficulty judge the model's own signals are compared with.
    /// - Throws: ``StatisticsError/invalidParameter(name:reason:)`` for mismatched shapes, `folds` < 2
    ///   or a non-positive `lambda`.
    public static func ridgeOutOfFold(features: [[Double]], target: [Double], groups: [Int], folds: Int = 5,
                                      lambda: Double = 1) throws -> [Double] {
        guard features.count == target.count, groups.count == target.count else {
            throw StatisticsError.invalidParameter(name: "features", reason: "\(features.count) rows, \(target.count) targets, \(groups.count) groups")
        }
        guard folds >= 2 else { throw StatisticsError.invalidParameter(name: "folds", reason: "must be ≥ 2, got \(folds)") }
        guard lambda > 0, lambda.isFinite else { throw StatisticsError.invalidParameter(name: "lambda", reason: "must be > 0, got \(lambda)") }
        let p = features.first?.count ?? 0
        guard features.allSatisfy({ $0.count == p }) else {
            throw StatisticsError.invalidParameter(name: "features", reason: "rows of different lengths")
        }
        let usable = features.indices.filter { target[$0].isFinite && features[$0].allSatisfy(\.isFinite) }
        var out = [Double](repeating: .nan, count: target.count)
        for fold in 0..<folds {
            let train = usable.filter { groups[$0] % folds != fold }, test = usable.filter { groups[$0] % folds == fold }
            guard train.count > 1, !test.isEmpty else { continue }
            var mean = [Double](repeating: 0, count: p), scale = [Double](repeating: 1, count: p)
            for j in 0..<p {
                let column = train.map { features[$0][j] }
                let m = column.reduce(0, +) / Double(column.count)
                let v = column.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(column.count)
                mean[j] = m
                scale[j] = v > 0 ? v.squareRoot() : 1
            }
            let yMean = train.reduce(0) { $0 + target[$1] } / Double(train.count)
            // (ZᵀZ + λI) β = Zᵀ(y − ȳ) on standardised Z; solved by Cholesky (the matrix is positive definite).
            var a = [[Double]](repeating: [Double](repeating: 0, count: p), count: p), b = [Double](repeating: 0, count: p)
            for i in train {
                let z = (0..<p).map { (features[i][$0] - mean[$0]) / scale[$0] }
                let y = target[i] - yMean
                for r in 0..<p {
                    b[r] += z[r] * y
                    for c in 0...r { a[r][c] += z[r] * z[c] }
                }
            }
            for r in 0..<p { a[r][r] += lambda }
            let beta = try choleskySolve(lowerOf: a, b)
            for i in test {
                var prediction = yMean
                for j in 0..<p { prediction += beta[j] * (features[i][j] - mean[j]) / scale[j] }
                out[i] = prediction
            }
        }
        return out
    }

    /// Solves A x = b for symmetric positive definite A given by its lower triangle.
    static func choleskySolve(lowerOf a: [[Double]], _ b: [Double]) throws -> [Double] {
        let n = b.count
        var l = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n {
            for j in 0...i {
                var sum = a[i][j]
                for k in 0..<j { sum -= l[i][k] * l[j][k] }
                if i == j {
                    guard sum > 0 else { throw StatisticsError.invalidParameter(name: "matrix", reason: "not positive definite") }
                    l[i][i] = sum.squareRoot()
                } else {
                    l[i][j] = sum / l[j][j]
                }
            }
        }
        var y = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var sum = b[i]
            for k in 0..<i { sum -= l[i][k] * y[k] }
            y[i] = sum / l[i][i]
        }
        var x = [Double](repeating: 0, count: n)
        for i in stride(from: n - 1, through: 0, by: -1) {
            var sum = y[i]
            for k in (i + 1)..<n { sum -= l[k][i] * x[k] }
            x[i] = sum / l[i][i]
        }
        return x
    }
}
