/// Byte-level token ids of BLT: 0 `<boe>`, 1 `<s>` (BOS), 2 `</s>`, 3 `<pad>`, byte b -> b + 4.
public enum ByteTokens {
    public static let boe = 0
    public static let bos = 1
    public static let eos = 2
    public static let pad = 3
    public static let offset = 4

    /// `[BOS] + [b + 4 for b in bytes]` (no EOS, as the original inference and our parity runs).
    /// Empty input gives `[1]`.
    public static func ids(for bytes: [UInt8]) -> [Int] {
        var ids = [bos]
        ids.reserveCapacity(bytes.count + 1)
        for b in bytes { ids.append(Int(b) + offset) }
        return ids
    }

    /// UTF-8 bytes of `text`, then `ids(for:)`.
    public static func ids(for text: String) -> [Int] { ids(for: Array(text.utf8)) }
}
