import Statistics

/// Groups hooks whose per-item values move together, so a report counts one signal once.
enum HookClusters {
    /// Within-item correlation at or above which consecutive hooks are one cluster.
    static let threshold = 0.95

    /// Consecutive runs of hooks (indices into `tables`, in the given order) whose values are correlated
    /// ≥ `threshold` with the previous hook's, after removing each item's mean (the tests are within
    /// items). `tables[h][item][level]`; non-finite cells are skipped pairwise. A hook without a defined
    /// correlation starts a new cluster.
    static func consecutive(_ tables: [[[Double]]], threshold: Double) -> [[Int]] {
        var clusters: [[Int]] = []
        for h in tables.indices {
            if h > 0, let r = withinItemCorrelation(tables[h - 1], tables[h]), r >= threshold {
                clusters[clusters.count - 1].append(h)
            } else {
                clusters.append([h])
            }
        }
        return clusters
    }

    /// Pearson correlation of two `[item][level]` tables after demeaning each item's row (over cells
    /// finite in both); nil when either has no within-item variation.
    static func withinItemCorrelation(_ a: [[Double]], _ b: [[Double]]) -> Double? {
        var x: [Double] = [], y: [Double] = []
        for (rowA, rowB) in zip(a, b) {
            let cells = zip(rowA, rowB).filter { $0.0.isFinite && $0.1.isFinite }
            guard cells.count >= 2 else { continue }
            let meanA = cells.reduce(0) { $0 + $1.0 } / Double(cells.count)
            let meanB = cells.reduce(0) { $0 + $1.1 } / Double(cells.count)
            for (u, v) in cells { x.append(u - meanA); y.append(v - meanB) }
        }
        guard x.count >= 3 else { return nil }
        return (try? Correlation.pearson(x, y))?.estimate
    }
}
