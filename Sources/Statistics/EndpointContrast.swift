extension StudyAnalysis {
    /// The protocol's endpoint contrast (difficulty_and_metrics.md D.6 item 2): Wilcoxon signed-rank
    /// test of hardest level minus easiest level, paired by item, with the matched-pairs rank-biserial
    /// correlation as effect size (positive: values are higher at the hardest level).
    ///
    /// - Parameter values: `values[item][level]`, levels ordered easy → hard. Items with a non-finite
    ///   value at either endpoint are dropped.
    /// - Returns: nil with fewer than 2 levels; otherwise the test (p nil for fewer than 3 usable items).
    public static func endpointContrast(_ values: [[Double]]) throws -> WilcoxonResult? {
        let differences = values.compactMap { row -> Double? in
            guard row.count >= 2, let first = row.first, let last = row.last, first.isFinite, last.isFinite else { return nil }
            return last - first
        }
        guard values.contains(where: { $0.count >= 2 }) else { return nil }
        return try WilcoxonSignedRank.test(differences: differences)
    }
}
