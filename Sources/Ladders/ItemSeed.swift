@_exported import Randomness
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

    /// 64-bit FNV-1a of `bytes` (`FNV1a64.hash`).
    public static func fnv1a64(_ bytes: [UInt8]) -> UInt64 { FNV1a64.hash(bytes) }
}
