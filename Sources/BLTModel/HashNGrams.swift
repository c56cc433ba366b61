/// Hash n-gram embedding rows (`compute_hash_embeddings`): rolling polynomial hashes with int64
/// wrap-around, floor modulo the per-table vocabulary, offset into the fused table.
public enum HashNGrams {
    /// The primes transformers cycles through (function `f` uses `primes[f % 11]`).
    public static let primes: [Int64] = [
        1000000007, 5915587277, 1500450271, 3267000013, 5754853343, 4093082899,
        9576890767, 3628273133, 2860486313, 5463458053, 3367900313,
    ]

    /// Raw hash bucket of every position for one n-gram size: windows are left-padded with id 0,
    /// `hash = Σ w[i]·prime^i` (oldest byte gets power 0) with two's-complement wrap-around, then
    /// floor-mod `vocab` (result in `0..<vocab`, also for negative wrapped hashes).
    public static func buckets(ids: [Int], n: Int, prime: Int64, vocab: Int) -> [Int] {
        var powers = [Int64](repeating: 1, count: n)
        for i in 1..<max(n, 1) { powers[i] = powers[i - 1] &* prime }
        let m = Int64(vocab)
        var out = [Int](repeating: 0, count: ids.count)
        for t in 0..<ids.count {
            var hash: Int64 = 0
            for i in 0..<n {
                let position = t - n + 1 + i
                let token: Int64 = position >= 0 ? Int64(ids[position]) : 0
                hash = hash &+ token &* powers[i]
            }
            let r = hash % m
            out[t] = Int(r < 0 ? r + m : r)
        }
        return out
    }

    /// Fused-table rows for every (function, n-gram size) table in transformers' loop order:
    /// result `[F·|G|][N]`, row = bucket + e·vocab with e = f·|G| + g.
    public static func rows(ids: [Int], config: BLTConfig) -> [[Int]] {
        var tables: [[Int]] = []
        var e = 0
        for f in 0..<config.hashFunctionCount {
            let prime = primes[f % primes.count]
            for n in config.hashByteGroupSizes {
                let offset = e * config.hashByteGroupVocab
                tables.append(buckets(ids: ids, n: n, prime: prime, vocab: config.hashByteGroupVocab).map { $0 + offset })
                e += 1
            }
        }
        return tables
    }
}
