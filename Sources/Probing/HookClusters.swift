import Statistics

/// Groups hooks whose per-item values move together, so a report counts one signal once.
enum HookClusters {
    /// Within-item correlation at or above which consecutive hooks are one cluster.
    static let threshold = 0.95

    /// Single-linkage clusters of hooks (indices into `tables`): two hooks are linked when their values
    /// correlate ≥ `threshold` after removing each item's mean (the tests are within items), and a
    /// cluster is everything reachable through links. `tables[h][item][level]`; non-finite cells are
    /// skipped pairwise; a pair without a defined correlation is not linked. Clusters are ordered by
    /// their first hook, members ascending.
    static func linked(_ tables: [[[Double]]], threshold: Double) -> [[Int]] {
        var parent = Array(tables.indices)
        func root(_ x: Int) -> Int {
            var x = x
            while parent[x] != x { parent[x] = parent[parent[x]]; x = parent[x] }
            return x
        }
        for a in tables.indices {
            for b in tables.indices where b > a {
                guard let r = withinItemCorrelation(tables[a], tables[b]), r >= threshold else { continue }
                let (ra, rb) = (root(a), root(b))
                if ra != rb { parent[max(ra, rb)] = min(ra, rb) }
            }
        }
        var clusters: [Int: [Int]] = [:]
        for h in tables.indices { clusters[root(h), default: []].append(h) }
        return clusters.keys.sorted().map { clusters[$0]! }
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
