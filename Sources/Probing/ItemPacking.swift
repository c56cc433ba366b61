/// How the study runner groups consecutive items into packed forward passes (`--items-per-forward`).
///
/// A packed forward gives every item exactly the bits of its own forward (``BLTModel/BLTModel/forward(batch:options:)``:
/// attention runs each item as its own call, and a row of a product does not depend on the other rows), so
/// the grouping never changes a stored value: files of any grouping, thread count, shard split or resume
/// point are identical. Packing concatenates items without padding, so items of different lengths cost
/// nothing extra together; the byte budget keeps a pass's activations small and the passes even (long
/// items go alone or in pairs, short ones in groups).
public struct ItemPacking: Sendable, Equatable {
    /// Most items per forward; 1 runs one forward per item.
    public var maxItems: Int
    /// Most input bytes per forward (an item longer than this still runs, alone).
    public var maxBytes: Int

    /// The largest `--items-per-forward`.
    public static let maxItemsLimit = 64
    public static let defaultMaxBytes = 2048

    public init(maxItems: Int, maxBytes: Int = ItemPacking.defaultMaxBytes) {
        self.maxItems = max(1, maxItems)
        self.maxBytes = max(1, maxBytes)
    }

    /// Consecutive index ranges tiling `0..<lengths.count`: each at most `maxItems` items and `maxBytes`
    /// bytes (unless a single item is longer), and a new range wherever `arms` changes (items of different
    /// arms run through different models).
    public func batches(lengths: [Int], arms: [Int]) -> [Range<Int>] {
        precondition(lengths.count == arms.count)
        var result: [Range<Int>] = []
        var start = 0, bytes = 0
        for i in lengths.indices {
            let fits = i > start && i - start < maxItems && arms[i] == arms[start]
                && lengths[i] <= maxBytes - bytes
            if i > start && !fits {
                result.append(start..<i)
                start = i
                bytes = 0
            }
            bytes += min(lengths[i], maxBytes)
        }
        if start < lengths.count { result.append(start..<lengths.count) }
        return result
    }
}
