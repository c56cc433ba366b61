/// One level of a ladder: its position in the ordered ladder and a human-readable name.
public struct LadderLevel: Sendable, Hashable, Codable {
    /// Zero-based position in the ladder (0 = least shifted / the reference level).
    public let index: Int
    /// Stable name, e.g. `"p=0.05"` or `"native CJK/Thai/Devanagari"`. Item seeds hash the *name*,
    /// so inserting a level never changes the items of existing levels.
    public let name: String

    public init(index: Int, name: String) {
        self.index = index
        self.name = name
    }
}

/// One generated input of a difficulty ladder.
///
/// `bytes` is the full model input: the (possibly perturbed) content followed by the ladder's
/// fixed probe suffix, so that the final position has identical local content at every level.
public struct LadderItem: Sendable, Hashable {
    /// Ladder name, e.g. `"noise"`.
    public let ladder: String
    public let level: LadderLevel
    /// Identity of the base item shared by all levels (the blocking factor of the paired design).
    public let baseItemID: String
    /// The order-independent seed that drove every random choice for this item
    /// (see ``ItemSeed``); 0 for items without randomness (custom datasets).
    public let seed: UInt64
    /// The model input: content + probe suffix.
    public let bytes: [UInt8]
    /// The content to analyse (everything except the probe suffix).
    public let analysisSpan: Range<Int>
    /// For tasks: the bytes of the answer (e.g. the sum digits); `nil` for other ladders.
    public let answerSpan: Range<Int>?
    /// Byte offsets whose entropy measures task performance; for addition and retrieval this is
    /// every byte of `answerSpan`, for Dyck the closing brackets of the query string. Empty for
    /// non-task ladders.
    public let scoredOffsets: [Int]
    /// Model-free distance from the training distribution: bits per byte of `analysisSpan` under
    /// the shipped byte-trigram model (Witten-Bell smoothed), with the preceding bytes of the item
    /// as context. `nil` when the ladder was generated without a trigram model.
    public let shiftBitsPerByte: Double?
    /// The same total surprisal divided by the number of Unicode scalars in `analysisSpan`
    /// (invalid UTF-8 decodes to one U+FFFD per maximal invalid sequence). Scripts need 1–4 bytes
    /// per character, so compare scripts per scalar as well as per byte. `nil` like
    /// `shiftBitsPerByte`.
    public let shiftBitsPerScalar: Double?
    /// Free-form detail of what produced this item, e.g. the language code (`"de"`) or the noise
    /// operation; empty when there is nothing to add.
    public let variant: String

    public init(ladder: String, level: LadderLevel, baseItemID: String, seed: UInt64, bytes: [UInt8],
                analysisSpan: Range<Int>, answerSpan: Range<Int>?, scoredOffsets: [Int],
                shiftBitsPerByte: Double?, shiftBitsPerScalar: Double? = nil, variant: String) {
        self.ladder = ladder
        self.level = level
        self.baseItemID = baseItemID
        self.seed = seed
        self.bytes = bytes
        self.analysisSpan = analysisSpan
        self.answerSpan = answerSpan
        self.scoredOffsets = scoredOffsets
        self.shiftBitsPerByte = shiftBitsPerByte
        self.shiftBitsPerScalar = shiftBitsPerScalar
        self.variant = variant
    }

    /// Total length of `bytes` (content + probe suffix).
    public var byteLength: Int { bytes.count }
    /// Length of the analysed content, the length covariate.
    public var contentByteLength: Int { analysisSpan.count }
    /// `bytes` decoded as UTF-8 with invalid sequences replaced by U+FFFD (for display only).
    public var text: String { String(decoding: bytes, as: UTF8.self) }
}
