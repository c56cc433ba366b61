/// Multiple-comparison corrections. Entries that are nil (tests that could not be run) are left nil
/// and do not count towards the family size m.
public enum MultipleTesting {
    /// Holm's step-down adjusted p-values: p̃_(i) = max_{j ≤ i} min(1, (m − j + 1) p_(j))
    /// (statsmodels `multipletests(method="holm")`).
    public static func holm(_ pValues: [Double?]) -> [Double?] {
        let present = pValues.indices.filter { pValues[$0] != nil }
        let order = present.sorted { (pValues[$0]!, $0) < (pValues[$1]!, $1) }
        let m = order.count
        var adjusted = [Double?](repeating: nil, count: pValues.count)
        var running = 0.0
        for (rank, index) in order.enumerated() {
            running = max(running, min(1, Double(m - rank) * pValues[index]!))
            adjusted[index] = running
        }
        return adjusted
    }

    /// Benjamini–Hochberg step-up adjusted p-values (q-values): p̃_(i) = min_{j ≥ i} min(1, m p_(j) / j)
    /// (scipy `false_discovery_control(method="bh")`).
    public static func benjaminiHochberg(_ pValues: [Double?]) -> [Double?] {
        let present = pValues.indices.filter { pValues[$0] != nil }
        let order = present.sorted { (pValues[$0]!, $0) < (pValues[$1]!, $1) }
        let m = order.count
        var adjusted = [Double?](repeating: nil, count: pValues.count)
        var running = 1.0
        for rank in stride(from: m - 1, through: 0, by: -1) {
            let index = order[rank]
            running = min(running, min(1, Double(m) * pValues[index]! / Double(rank + 1)))
            adjusted[index] = running
        }
        return adjusted
    }
}
