/// Test (c): does sparsity change with the level once the entropy at the probe, the model's own loss,
/// the probe patch's length and the input statistics (length, patch count, byte-class mix) are held fixed?
extension StudyAnalysis {
    /// An input statistic enters test (c) only while its variance inflation factor against the columns
    /// already in the model stays below this: above it the ladder's levels (or the other covariates) all but
    /// determine it, the level effect cannot be told apart from it, and the row's note names it instead.
    public static let maxInputCovariateVIF = 100.0

    static func beyondEntropyRow(input: StudyInput, series: LevelSeries, isPrimary: Bool,
                                 configuration: StudyConfiguration, memos: AnalysisMemos = AnalysisMemos()) throws -> StudyResultRow {
        let test = StudyTest.sparsityBeyondEntropy
        let levels = input.levels.count
        let entropy = input.probeEntropy ?? input.entropy
        let entropyName = input.probeEntropy == nil ? "entropy" : "probe_entropy"
        let loss = input.loss
        let patchLength = input.probePatchLength
        let kept = input.items.indices.filter { i in
            series.values[i].allSatisfy(\.isFinite) && entropy[i].allSatisfy(\.isFinite)
                && (loss.map { i < $0.count && $0[i].allSatisfy(\.isFinite) } ?? true)
                && (patchLength.map { i < $0.count && $0[i].allSatisfy(\.isFinite) } ?? true)
                && input.inputCovariates.allSatisfy { i < $0.values.count && $0.values[i].allSatisfy(\.isFinite) }
        }
        let n = kept.count
        let dropped = input.items.count - n
        let dropNote = dropped > 0 ? "\(dropped) item(s) with non-finite values dropped" : ""
        func empty(_ note: String) -> StudyResultRow {
            emptyRow(test, input, hook: series.hook, measure: series.measure, isPrimary: isPrimary, n: n, note: note,
                     direction: series.direction)
        }
        guard n >= 3, levels >= 2 else {
            return empty(join(levels < 2 ? "fewer than 2 levels" : "fewer than 3 items with finite values", dropNote))
        }
        if kept.allSatisfy({ i in series.values[i].allSatisfy { $0 == series.values[i][0] } }) {
            return empty(join("values constant across levels in every item", dropNote))
        }
        let design = memos.beyondEntropy.value(for: kept) {
            beyondEntropyDesign(input: input, kept: kept, entropy: entropy, entropyName: entropyName)
        }
        let categorical = design.categorical
        let levelNames = Array(design.names.prefix(design.levelCount))
        var y: [Double] = []
        y.reserveCapacity(n * levels)
        for i in kept { for l in 0..<levels { y.append(series.values[i][l]) } }
        let item = design.itemCodes
        let covariates = design.covariates, names = design.names, leftOut = design.leftOut
        let weights = Dictionary(uniqueKeysWithValues: levelNames.map { ($0, 1 / Double(levelNames.count)) })
        guard let fit = try OrdinaryLeastSquares.fit(y: y, covariates: covariates, names: names,
                                                     fixedEffectGroups: item, clusters: item),
              let contrast = fit.contrast(weights) else {
            return empty(join("degenerate design (level collinear with the covariates, or constant)", dropNote))
        }
        // Per-item Gram matrices of the within-item demeaned columns make every bootstrap resample an
        // exact refit in O(items).
        let demeaned = [demeanWithinGroups(y, codes: item, groupCount: n)] + design.demeanedCovariates
        let grams = ClusterGrams(columns: demeaned, clusterCodes: item, clusterCount: n)
        let levelCount = levelNames.count
        // The estimate: the mean of the level coefficients (the first `levelCount`).
        func levelMean(_ coefficients: [Double]) -> Double { coefficients[0..<levelCount].reduce(0, +) / Double(levelCount) }
        let seed = rowSeed(configuration.seed, [test.rawValue, input.ladder, series.hook, series.measure])
        let interval = try ClusterBootstrap.interval(clusterCount: n, resampleCount: configuration.bootstrapResamples, seed: seed,
                                                     level: configuration.confidenceLevel, method: configuration.bootstrapMethod,
                                                     statistic: { clusters in
            ClusterGrams.regressionCoefficients(grams.total(clusters), dimension: demeaned.count).map(levelMean)
        }, batchStatistic: { resamples in
            grams.regressionCoefficients(resamples: resamples).map { $0.map(levelMean) }
        })
        let covariateNote = join("covariates: \(names.dropFirst(levelCount).joined(separator: ", "))"
                                 + (categorical ? "; level as categories (estimate = mean indicator coefficient vs level 0)" : ""),
                                 leftOut.isEmpty ? "" : "not adjusted for \(leftOut.joined(separator: ", "))")
        var row = empty(join(covariateNote, dropNote))
        fill(&row, estimate: contrast.estimate, p: contrast.p, interval: interval, configuration: configuration)
        row.maxVIF = design.maxVIF
        // δ in the measure's own unit: a tenth (by default) of its within-item standard deviation.
        let withinSD = (demeaned[0].reduce(0) { $0 + $1 * $1 } / Double(max(1, y.count - n))).squareRoot()
        let delta = configuration.equivalenceDelta * withinSD
        if delta > 0 {
            row.equivalenceDelta = delta
            row.tostP = Equivalence.tostP(estimate: contrast.estimate, standardError: contrast.standardError,
                                          delta: delta, df: fit.testDegreesOfFreedom)
        }
        return row
    }
}

extension StudyAnalysis {
    /// Test (c)'s design for the items `kept`: everything but the series' own values (see ``DesignMemo``).
    static func beyondEntropyDesign(input: StudyInput, kept: [Int], entropy: [[Double]], entropyName: String) -> BeyondEntropyDesign {
        let levels = input.levels.count
        let n = kept.count
        let loss = input.loss
        let patchLength = input.probePatchLength
        let categorical = input.levelsAreCategories && levels >= 3
        let levelNames = categorical ? (1..<levels).map { "level_\($0)" } : ["level"]
        var item: [Int] = []
        var levelColumns = [[Double]](repeating: [], count: levelNames.count)
        var entropyColumn: [Double] = [], lossColumn: [Double] = [], lengthCategory: [Int] = []
        for (code, i) in kept.enumerated() {
            for l in 0..<levels {
                item.append(code)
                if categorical {
                    for k in 1..<levels { levelColumns[k - 1].append(l == k ? 1 : 0) }
                } else {
                    levelColumns[0].append(Double(l))
                }
                entropyColumn.append(entropy[i][l])
                if let loss { lossColumn.append(loss[i][l]) }
                if let patchLength { lengthCategory.append(min(4, max(1, Int(patchLength[i][l].rounded())))) }
            }
        }
        // Probe patch length as indicators (2, 3, ≥ 4 bytes; 1 is the baseline), kept only where they vary
        // within items (under fixed-size patching they do not, and the item effects absorb them).
        var lengthColumns: [[Double]] = [], lengthNames: [String] = []
        if patchLength != nil {
            for c in 2...4 {
                let column = lengthCategory.map { $0 == c ? 1.0 : 0.0 }
                let within = demeanWithinGroups(column, codes: item, groupCount: n)
                if column.contains(1), within.contains(where: { abs($0) > 1e-12 }) {
                    lengthColumns.append(column); lengthNames.append(c == 4 ? "probe_patch_length_4+" : "probe_patch_length_\(c)")
                }
            }
        }
        var covariates = levelColumns + [entropyColumn] + (loss == nil ? [] : [lossColumn]) + lengthColumns
        var names = levelNames + [entropyName] + (loss == nil ? [] : ["loss"]) + lengthNames
        let leftOut = addInputCovariates(input.inputCovariates, kept: kept, item: item, groupCount: n,
                                         covariates: &covariates, names: &names)
        let demeaned = covariates.map { demeanWithinGroups($0, codes: item, groupCount: n) }
        return BeyondEntropyDesign(itemCodes: item, covariates: covariates, names: names, leftOut: leftOut, levelCount: levelNames.count,
                                   categorical: categorical, demeanedCovariates: demeaned,
                                   maxVIF: varianceInflationFactors(demeaned).max())
    }
}

extension StudyAnalysis {
    /// Appends each input statistic (rows of the kept items, levels in order) that varies within items and
    /// whose VIF against the columns already in `covariates` is below ``maxInputCovariateVIF``; returns the
    /// names left out, each with its reason.
    static func addInputCovariates(_ inputs: [InputCovariate], kept: [Int], item: [Int], groupCount: Int,
                                   covariates: inout [[Double]], names: inout [String]) -> [String] {
        var leftOut: [String] = []
        var accepted = covariates.map { demeanWithinGroups($0, codes: item, groupCount: groupCount) }
        for covariate in inputs {
            let column = kept.flatMap { covariate.values[$0] }
            let within = demeanWithinGroups(column, codes: item, groupCount: groupCount)
            let scale = column.reduce(0) { max($0, abs($1)) }
            guard within.contains(where: { abs($0) > 1e-9 * max(scale, 1e-300) }) else {
                leftOut.append("\(covariate.name) (constant within items)"); continue
            }
            let total = within.reduce(0) { $0 + $1 * $1 }
            let rss = LeastSquares(columns: accepted, y: within).map { $0.residuals.reduce(0) { $0 + $1 * $1 } } ?? 0
            let vif = rss > 0 ? total / rss : .infinity
            guard vif < maxInputCovariateVIF else {
                leftOut.append("\(covariate.name) (VIF \(vif < 1e9 ? String(Int(vif.rounded())) : "> 1e9") against the level and the other covariates)")
                continue
            }
            covariates.append(column); names.append(covariate.name); accepted.append(within)
        }
        return leftOut
    }
}

/// Variance inflation factor of each column against the others (columns already centred, e.g. demeaned
/// within items): VIFⱼ = Σxⱼ² / RSSⱼ of regressing xⱼ on the other columns without intercept. A single
/// column has VIF 1; a column explained exactly by the others gets +∞.
public func varianceInflationFactors(_ columns: [[Double]]) -> [Double] {
    guard columns.count > 1 else { return columns.map { _ in 1 } }
    return columns.indices.map { j in
        let x = columns[j]
        let total = x.reduce(0) { $0 + $1 * $1 }
        guard total > 0 else { return .infinity }
        var others = columns
        others.remove(at: j)
        guard let fit = LeastSquares(columns: others, y: x) else { return .infinity }
        let rss = fit.residuals.reduce(0) { $0 + $1 * $1 }
        return rss > 1e-12 * total ? total / rss : .infinity
    }
}
