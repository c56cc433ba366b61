/// The sparsity paper's analyses on one ladder and one metric (Jin et al. 2026; difficulty_and_metrics.md
/// §A.6–A.7), with what the paper lacks: confidence intervals that respect the paired design.
///
/// The paper reports Pearson r between the level index and the **level means** (n = number of levels) and,
/// on DeepMath, per-item Pearson/Spearman. Level-mean correlations with n = 3–5 overstate the relation, so
/// the verdict here uses the per-item Spearman ρ between level index and metric, with a 95 % cluster
/// bootstrap interval over base items (every level of a base item stays together):
/// - **replicated**: the interval excludes 0 on the side the paper's reading predicts;
/// - **opposite**: it excludes 0 on the other side;
/// - **not replicated**: it includes 0 (no evidence either way at this n);
/// - **no claim**: the paper makes no directional claim for the metric (kurtosis).
public enum PaperReplication {
    public enum Verdict: String, Sendable, Codable, Equatable {
        case replicated, opposite
        case notReplicated = "not replicated"
        case noClaim = "no claim"
    }

    /// One (ladder, hook, metric) result.
    public struct Row: Sendable, Codable, Equatable {
        public var items: Int
        public var baseItems: Int
        /// Mean of the metric at each level (index order); nil for a level without items.
        public var levelMeans: [Double?]
        /// Standard error of each level mean (sample sd / √n; nil for fewer than 2 items).
        public var levelStandardErrors: [Double?]
        /// The paper's statistic: Pearson r of level index vs level mean (nil with < 3 levels or constant means).
        public var levelMeansPearson: Double?
        /// Per-item Pearson r of level index vs metric.
        public var itemPearson: Double?
        /// Per-item Spearman ρ with its 95 % cluster-bootstrap (percentile) interval; nil when undefined.
        public var itemSpearman: BootstrapInterval?
        /// Paired effect: mean over base items of (last level − first level), with its bootstrap interval.
        public var endpointDifference: BootstrapInterval?
        public var verdict: Verdict
    }

    /// The bootstrap seed of one row: FNV-1a of its identity mixed with the study's statistics seed (the same
    /// rule as the study's own rows, so a row's interval does not depend on which other rows exist).
    public static func seed(base: UInt64, parts: [String]) -> UInt64 { StudyAnalysis.rowSeed(base, parts) }

    /// Runs the analyses.
    /// - Parameters:
    ///   - levels: level index of every item (0 = easiest).
    ///   - clusters: base-item index of every item, in 0..<G.
    ///   - values: the metric of every item (finite).
    ///   - expectedSign: +1 if the paper reads a rise with difficulty as "sparser when harder", −1 for a fall,
    ///     0 for no claim.
    ///   - resamples, seed: the cluster bootstrap.
    /// - Throws: `StatisticsError` for unequal lengths, a non-finite value or a cluster index out of range.
    public static func analyse(levels: [Int], clusters: [Int], values: [Double], expectedSign: Int,
                               resamples: Int, seed: UInt64) throws -> Row {
        try requireSameLength(levels.map(Double.init), "levels", values, "values")
        try requireSameLength(clusters.map(Double.init), "clusters", values, "values")
        try requireFinite(values, "values")
        let g = (clusters.max() ?? -1) + 1
        guard clusters.allSatisfy({ $0 >= 0 }), levels.allSatisfy({ $0 >= 0 }) else {
            throw StatisticsError.invalidParameter(name: "clusters/levels", reason: "negative index")
        }
        let levelCount = (levels.max() ?? -1) + 1
        var byLevel = [[Double]](repeating: [], count: levelCount)
        for (l, v) in zip(levels, values) { byLevel[l].append(v) }
        let means: [Double?] = byLevel.map { $0.isEmpty ? nil : $0.reduce(0, +) / Double($0.count) }
        let errors: [Double?] = byLevel.enumerated().map { i, v in
            guard v.count >= 2, let m = means[i] else { return nil }
            let variance = v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)
            return (variance / Double(v.count)).squareRoot()
        }
        let present = means.enumerated().compactMap { i, m in m.map { (Double(i), $0) } }
        let levelMeansPearson = present.count >= 3 ? Correlation.pearsonCoefficient(present.map(\.0), present.map(\.1)) : nil
        let x = levels.map(Double.init)
        let itemPearson = Correlation.pearsonCoefficient(x, values)

        // Items of each cluster, for the bootstrap.
        var members = [[Int]](repeating: [], count: max(0, g))
        for (i, c) in clusters.enumerated() { members[c].append(i) }
        let resampleSets = ClusterBootstrap.resampleIndices(clusterCount: max(0, g), count: resamples, seed: seed)
        let spearman = try ClusterBootstrap.interval(clusterCount: max(0, g), resamples: resampleSets, method: .percentile) { chosen in
            var xs: [Double] = [], ys: [Double] = []
            for c in chosen { for i in members[c] { xs.append(x[i]); ys.append(values[i]) } }
            return Correlation.pearsonCoefficient(Ranking.averageRanks(xs), Ranking.averageRanks(ys))
        }
        // Paired endpoint difference per base item that has both the first and the last level.
        let last = levelCount - 1
        var differences = [Double?](repeating: nil, count: max(0, g))
        for c in 0..<max(0, g) {
            let first = members[c].first { levels[$0] == 0 }, final = members[c].first { levels[$0] == last }
            if let first, let final, last > 0 { differences[c] = values[final] - values[first] }
        }
        let endpoint = try ClusterBootstrap.interval(clusterCount: max(0, g), resamples: resampleSets, method: .percentile) { chosen in
            let d = chosen.compactMap { differences[$0] }
            return d.isEmpty ? nil : d.reduce(0, +) / Double(d.count)
        }
        var verdict = Verdict.noClaim
        if expectedSign != 0 {
            verdict = .notReplicated
            if let s = spearman {
                if s.low > 0 { verdict = expectedSign > 0 ? .replicated : .opposite }
                if s.high < 0 { verdict = expectedSign < 0 ? .replicated : .opposite }
            }
        }
        return Row(items: values.count, baseItems: max(0, g), levelMeans: means, levelStandardErrors: errors,
                   levelMeansPearson: levelMeansPearson, itemPearson: itemPearson, itemSpearman: spearman,
                   endpointDifference: endpoint, verdict: verdict)
    }
}
