/// Ranking helpers shared by the rank-based statistics.
public enum Ranking {
    /// Ranks 1…n with ties given the average of the ranks they span (scipy `rankdata(method="average")`).
    /// Empty input gives an empty array. NaN must be filtered by the caller (the public tests do).
    public static func averageRanks(_ values: [Double]) -> [Double] {
        let n = values.count
        let order = (0..<n).sorted { values[$0] < values[$1] || (values[$0] == values[$1] && $0 < $1) }
        var ranks = [Double](repeating: 0, count: n)
        var start = 0
        while start < n {
            var end = start + 1
            while end < n && values[order[end]] == values[order[start]] { end += 1 }
            // Positions start..<end (0-based) share the ranks start+1 … end.
            let average = Double(start + 1 + end) / 2
            for k in start..<end { ranks[order[k]] = average }
            start = end
        }
        return ranks
    }

    /// Sizes of the groups of tied values (only groups of size ≥ 2).
    public static func tieGroupSizes(_ values: [Double]) -> [Int] {
        let sorted = values.sorted()
        var sizes: [Int] = []
        var start = 0
        while start < sorted.count {
            var end = start + 1
            while end < sorted.count && sorted[end] == sorted[start] { end += 1 }
            if end - start > 1 { sizes.append(end - start) }
            start = end
        }
        return sizes
    }
}
