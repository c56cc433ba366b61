/// Effect sizes for "does a value change monotonically with an ordered level, within blocks".
public enum TrendEffect {
    /// Kendall τ-b between the condition index 0..<k and each block's values, one per block.
    /// A block whose values are all equal has no monotone trend and gets τ = 0; nil only for blocks
    /// with fewer than 2 conditions. Non-finite values throw (`StatisticsError`).
    public static func withinBlockKendallTaus(_ data: [[Double]]) throws -> [Double?] {
        try data.map { row in
            guard row.count >= 2 else { return nil }
            let index = row.indices.map(Double.init)
            return try Correlation.kendallTauB(index, row).estimate ?? 0
        }
    }

    /// Mean within-block Kendall τ-b (see `withinBlockKendallTaus`); nil if no block has one.
    public static func meanWithinBlockKendallTau(_ data: [[Double]]) throws -> Double? {
        let taus = try withinBlockKendallTaus(data).compactMap { $0 }
        return taus.isEmpty ? nil : taus.reduce(0, +) / Double(taus.count)
    }
}
