/// Stable, order-independent randomness for ladder items.
///
/// Swift's `Hasher` is randomly seeded per process, so it must never decide anything persistent.
/// Item seeds instead come from 64-bit FNV-1a over a canonical string, mixed through SplitMix64:
///
///     seed = mix(fnv1a64("bytelens-ladders/v1\u{1F}" + ladder + "\u{1F}" + levelName + "\u{1F}" + itemID)
///                ^ mix(baseSeed))
///
/// The seed depends only on (ladder, level name, item id, base seed), so generating items in any
/// order, in parallel, or with more levels/items gives identical bytes for existing items.
public enum ItemSeed {
    public static let version = "bytelens-ladders/v1"

    /// The seed of one item.
    public static func make(ladder: String, level: String, itemID: String, baseSeed: UInt64) -> UInt64 {
        let key = [version, ladder, level, itemID].joined(separator: "\u{1F}")
        return SplitMix64.mix(fnv1a64(Array(key.utf8)) ^ SplitMix64.mix(baseSeed))
    }

    /// 64-bit FNV-1a of `bytes` (offset basis 0xcbf29ce484222325, prime 0x100000001b3).
    public static func fnv1a64(_ bytes: [UInt8]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        return h
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, fast, well-mixed 64-bit generator.
///
/// All draws used by the ladders go through the methods below (never the standard library's
/// `shuffled(using:)` or `random(in:using:)`, whose algorithms may change between Swift versions),
/// so the byte output is fixed by this file alone.
public struct SplitMix64: Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// The SplitMix64 output function applied to one value (a strong 64-bit mixer).
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// Uniform double in [0, 1) with 53 random bits.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform integer in `0..<bound` (rejection sampling, unbiased). `bound` must be > 0;
    /// returns 0 for `bound <= 1`.
    public mutating func nextInt(below bound: Int) -> Int {
        guard bound > 1 else { return 0 }
        let b = UInt64(bound)
        let limit = UInt64.max - UInt64.max % b
        while true {
            let v = next()
            if v < limit { return Int(v % b) }
        }
    }

    /// Uniform integer in the closed range.
    public mutating func nextInt(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + nextInt(below: range.upperBound - range.lowerBound + 1)
    }

    /// Uniform 64-bit integer in the closed range (for large operands, e.g. 8-digit numbers).
    public mutating func nextUInt64(in range: ClosedRange<UInt64>) -> UInt64 {
        let width = range.upperBound - range.lowerBound
        if width == UInt64.max { return next() }
        let b = width + 1
        let limit = UInt64.max - UInt64.max % b
        while true {
            let v = next()
            if v < limit { return range.lowerBound + v % b }
        }
    }

    /// `true` with probability `p` (p <= 0: never, p >= 1: always).
    public mutating func bernoulli(_ p: Double) -> Bool {
        nextUnit() < p
    }

    /// Fisher-Yates shuffle (Durstenfeld, from the end), driven by this generator.
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = nextInt(below: i + 1)
            if i != j { array.swapAt(i, j) }
        }
    }
}
