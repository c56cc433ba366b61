/// Result of a permutation test.
public struct PermutationResult: Sendable, Equatable, Codable {
    public var observed: Double
    public var pValue: Double
    /// Permutations whose statistic was defined and used.
    public var usedPermutations: Int
    /// True when `permutations` enumerated the full null distribution (p = count / B), false for
    /// Monte Carlo (p = (count + 1)/(B + 1), which is never 0).
    public var exhaustive: Bool
}

/// Permutation p-values, for paired designs by permuting condition labels within each block (item).
public enum PermutationTest {
    /// p-value of `observed` against a null distribution, exactly as `scipy.stats.permutation_test`
    /// computes it: values within a relative 100·ε of the observed count as equal; two-sided is
    /// 2 · min(one-sided p), clipped to 1; Monte Carlo adds one to numerator and denominator.
    public static func pValue(observed: Double, null: [Double], alternative: Alternative = .twoSided,
                              exhaustive: Bool = false) -> Double {
        let adjustment = exhaustive ? 0.0 : 1.0
        let gamma = abs(100 * Double.ulpOfOne * observed)
        let less = Double(null.reduce(0) { $0 + ($1 <= observed + gamma ? 1 : 0) })
        let greater = Double(null.reduce(0) { $0 + ($1 >= observed - gamma ? 1 : 0) })
        let denominator = Double(null.count) + adjustment
        let pLess = (less + adjustment) / denominator, pGreater = (greater + adjustment) / denominator
        switch alternative {
        case .less: return min(1, pLess)
        case .greater: return min(1, pGreater)
        case .twoSided: return min(1, 2 * min(pLess, pGreater))
        }
    }

    /// `count` random within-block permutations for blocks of the given sizes, from `SplitMix64(seed:)`.
    /// Result[r][b] is a permutation of 0..<sizes[b].
    public static func randomWithinBlockPermutations(blockSizes: [Int], count: Int, seed: UInt64) -> [[[Int]]] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in blockSizes.map { rng.permutation(of: $0) } }
    }

    /// Within-block label permutation test: for each permutation, row b becomes
    /// `data[b][perm[b][j]]`, and `statistic` is recomputed.
    ///
    /// - Parameters:
    ///   - data: `data[block][condition]`.
    ///   - permutations: explicit permutations (see `randomWithinBlockPermutations`).
    ///   - exhaustive: whether `permutations` is the complete set (then p = count/B).
    /// - Returns: nil when the observed statistic is undefined or no permutation gives a defined value.
    public static func withinBlock(data: [[Double]], permutations: [[[Int]]], alternative: Alternative = .twoSided,
                                   exhaustive: Bool = false,
                                   statistic: ([[Double]]) -> Double?) throws -> PermutationResult? {
        for permutation in permutations {
            guard permutation.count == data.count else {
                throw StatisticsError.invalidParameter(name: "permutations", reason: "\(permutation.count) block permutations for \(data.count) blocks")
            }
            for (b, p) in permutation.enumerated() where p.count != data[b].count || Set(p) != Set(0..<data[b].count) {
                throw StatisticsError.invalidParameter(name: "permutations", reason: "block \(b) is not permuted by a permutation of 0..<\(data[b].count)")
            }
        }
        guard let observed = statistic(data), observed.isFinite else { return nil }
        var null: [Double] = []
        null.reserveCapacity(permutations.count)
        for permutation in permutations {
            let permuted = data.enumerated().map { b, row in permutation[b].map { row[$0] } }
            if let v = statistic(permuted), v.isFinite { null.append(v) }
        }
        guard !null.isEmpty else { return nil }
        return PermutationResult(observed: observed,
                                 pValue: pValue(observed: observed, null: null, alternative: alternative, exhaustive: exhaustive),
                                 usedPermutations: null.count, exhaustive: exhaustive)
    }

    /// Seeded convenience for `withinBlock` with `count` Monte Carlo permutations.
    public static func withinBlock(data: [[Double]], count: Int = 9999, seed: UInt64, alternative: Alternative = .twoSided,
                                   statistic: ([[Double]]) -> Double?) throws -> PermutationResult? {
        try withinBlock(data: data,
                        permutations: randomWithinBlockPermutations(blockSizes: data.map(\.count), count: count, seed: seed),
                        alternative: alternative, exhaustive: false, statistic: statistic)
    }
}
