/// Options shared by all ladders.
public struct LadderOptions: Sendable, Hashable {
    /// Base seed; every item seed is derived from it with ``ItemSeed/make(ladder:level:itemID:baseSeed:)``.
    public var baseSeed: UInt64
    /// English base passages are cut to this many bytes (at a scalar boundary) *before* the level's
    /// transformation, so every level perturbs the same content. Transformations that change the
    /// length (insertions, deletions, AntSpeak, Repeat) are not re-trimmed: the resulting content
    /// length is recorded in each item (`contentByteLength`) for use as a covariate.
    public var englishByteBudget: Int
    /// Upper bound for `ood` content (12 aligned messages); longer content is cut at a scalar
    /// boundary. Random levels match the English item's length.
    public var oodByteBudget: Int
    /// Appended to every item so that the final position has the same local content at every level.
    public var probeSuffix: [UInt8]
    /// Base items per generated ladder for `ood` and `tasks-*` (English ladders use every held-out
    /// passage; custom ladders use every item of the file).
    public var generatedBaseItems: Int

    public init(baseSeed: UInt64 = 0, englishByteBudget: Int = 256, oodByteBudget: Int = 512,
                probeSuffix: [UInt8] = Array("\n".utf8), generatedBaseItems: Int = 200) {
        self.baseSeed = baseSeed
        self.englishByteBudget = englishByteBudget
        self.oodByteBudget = oodByteBudget
        self.probeSuffix = probeSuffix
        self.generatedBaseItems = generatedBaseItems
    }
}

/// What a ladder's builder returns for one (level, base item): the content and task markers.
public struct LadderContent: Sendable, Hashable {
    public var content: [UInt8]
    public var answerSpan: Range<Int>?
    public var scoredOffsets: [Int]
    public var variant: String

    public init(content: [UInt8], answerSpan: Range<Int>? = nil, scoredOffsets: [Int] = [], variant: String = "") {
        self.content = content
        self.answerSpan = answerSpan
        self.scoredOffsets = scoredOffsets
        self.variant = variant
    }
}

/// A difficulty ladder: ordered levels applied to the same base items (paired design).
public struct Ladder: Sendable {
    /// Builds the content of base item `baseIndex` at `level`, drawing randomness only from `rng`
    /// (already seeded for this exact item). Returns `nil` when the item does not exist at that level
    /// (possible only for custom datasets).
    public typealias Builder = @Sendable (_ level: LadderLevel, _ baseIndex: Int, _ rng: inout SplitMix64) throws -> LadderContent?

    public let name: String
    public let summary: String
    public let levels: [LadderLevel]
    /// `false` for categorical ladders (e.g. `noise-blt`), whose level order is not a difficulty order.
    public let isOrdinal: Bool
    /// `true` when the levels are categories with a *hypothesised* difficulty order (e.g. `ood`'s
    /// languages and scripts) rather than steps on a numeric scale (noise rate, digits): analyses that
    /// model the level as a number (a slope per level) use one indicator per level instead.
    public let levelsAreCategories: Bool
    public let baseItemIDs: [String]
    public let options: LadderOptions
    /// Items per level when not every base item exists at every level (custom datasets).
    let sparseItemCounts: [Int]?
    let trigram: ByteTrigramModel?
    let builder: Builder

    public init(name: String, summary: String, levelNames: [String], isOrdinal: Bool = true,
                levelsAreCategories: Bool = false, baseItemIDs: [String], options: LadderOptions, trigram: ByteTrigramModel?,
                sparseItemCounts: [Int]? = nil, builder: @escaping Builder) {
        self.sparseItemCounts = sparseItemCounts
        self.name = name
        self.summary = summary
        self.levels = levelNames.enumerated().map { LadderLevel(index: $0.offset, name: $0.element) }
        self.isOrdinal = isOrdinal
        self.levelsAreCategories = levelsAreCategories || !isOrdinal
        self.baseItemIDs = baseItemIDs
        self.options = options
        self.trigram = trigram
        self.builder = builder
    }

    /// The level given by index (`"3"`) or exact name (`"p=0.05"`).
    public func level(_ spec: String) throws -> LadderLevel {
        if let i = Int(spec), levels.indices.contains(i) { return levels[i] }
        if let l = levels.first(where: { $0.name == spec }) { return l }
        throw LadderError.unknownLevel(ladder: name, level: spec, known: levels.map { "\($0.index)=\($0.name)" })
    }

    /// One item; `nil` if the base item is absent at this level (custom datasets only).
    public func item(level: LadderLevel, baseIndex: Int) throws -> LadderItem? {
        let id = baseItemIDs[baseIndex]
        let seed = ItemSeed.make(ladder: name, level: level.name, itemID: id, baseSeed: options.baseSeed)
        var rng = SplitMix64(seed: seed)
        guard let built = try builder(level, baseIndex, &rng) else { return nil }
        let bytes = built.content + options.probeSuffix
        let span = 0..<built.content.count
        let perByte = trigram?.bitsPerByte(bytes, span: span)
        let scalars = String(decoding: built.content, as: UTF8.self).unicodeScalars.count
        let perScalar = perByte.map { $0 * Double(span.count) / Double(max(1, scalars)) }
        return LadderItem(ladder: name, level: level, baseItemID: id, seed: seed, bytes: bytes,
                          analysisSpan: span, answerSpan: built.answerSpan, scoredOffsets: built.scoredOffsets,
                          shiftBitsPerByte: perByte, shiftBitsPerScalar: perScalar, variant: built.variant)
    }

    /// Items for the given levels (all when `nil`) and the first `limit` base items (all when
    /// `nil`), level-major: every level lists its base items in the same order.
    public func items(levels selected: [LadderLevel]? = nil, limit: Int? = nil) throws -> [LadderItem] {
        let count = min(limit ?? baseItemIDs.count, baseItemIDs.count)
        var out: [LadderItem] = []
        for level in selected ?? levels {
            for b in 0..<max(0, count) {
                if let it = try item(level: level, baseIndex: b) { out.append(it) }
            }
        }
        return out
    }

    /// Number of items at each level (equal to `baseItemIDs.count` for built-in ladders).
    public var itemCounts: [Int] {
        sparseItemCounts ?? levels.map { _ in baseItemIDs.count }
    }
}
