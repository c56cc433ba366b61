import Foundation

/// The JSONL record written by `probe datasets export` (one object per line, keys sorted).
///
/// Fields: `ladder`, `level` (index), `level_name`, `base_item_id`, `seed` (decimal string: a
/// UInt64 does not fit a JSON double), `bytes_b64` (exact bytes, base64), `text` (the bytes as
/// UTF-8, or null when they are not valid UTF-8), `byte_length`, `analysis_span` ([start, end)),
/// `answer_span` ([start, end) or null), `scored_offsets`, `shift_bits_per_byte`,
/// `shift_bits_per_scalar` (null without a trigram model), `variant`, `generator`.
public struct LadderItemRecord: Codable, Sendable, Hashable {
    public var ladder: String
    public var level: Int
    public var level_name: String
    public var base_item_id: String
    public var seed: String
    public var bytes_b64: String
    public var text: String?
    public var byte_length: Int
    public var analysis_span: [Int]
    public var answer_span: [Int]?
    public var scored_offsets: [Int]
    public var shift_bits_per_byte: Double?
    public var shift_bits_per_scalar: Double?
    public var variant: String
    public var generator: String

    public init(_ item: LadderItem) {
        ladder = item.ladder
        level = item.level.index
        level_name = item.level.name
        base_item_id = item.baseItemID
        seed = String(item.seed)
        bytes_b64 = Data(item.bytes).base64EncodedString()
        text = String(validating: item.bytes, as: UTF8.self)
        byte_length = item.byteLength
        analysis_span = [item.analysisSpan.lowerBound, item.analysisSpan.upperBound]
        answer_span = item.answerSpan.map { [$0.lowerBound, $0.upperBound] }
        scored_offsets = item.scoredOffsets
        shift_bits_per_byte = item.shiftBitsPerByte
        shift_bits_per_scalar = item.shiftBitsPerScalar
        variant = item.variant
        generator = ItemSeed.version
    }
}

extension LadderItemRecord {
    enum CodingKeys: String, CodingKey {
        case ladder, level, level_name, base_item_id, seed, bytes_b64, text, byte_length, analysis_span,
             answer_span, scored_offsets, shift_bits_per_byte, shift_bits_per_scalar, variant, generator
    }

    /// Like the synthesized encoder, but absent values are written as `null` so every line has
    /// every key (readers can rely on the schema).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ladder, forKey: .ladder)
        try c.encode(level, forKey: .level)
        try c.encode(level_name, forKey: .level_name)
        try c.encode(base_item_id, forKey: .base_item_id)
        try c.encode(seed, forKey: .seed)
        try c.encode(bytes_b64, forKey: .bytes_b64)
        try c.encode(text, forKey: .text)
        try c.encode(byte_length, forKey: .byte_length)
        try c.encode(analysis_span, forKey: .analysis_span)
        try c.encode(answer_span, forKey: .answer_span)
        try c.encode(scored_offsets, forKey: .scored_offsets)
        try c.encode(shift_bits_per_byte, forKey: .shift_bits_per_byte)
        try c.encode(shift_bits_per_scalar, forKey: .shift_bits_per_scalar)
        try c.encode(variant, forKey: .variant)
        try c.encode(generator, forKey: .generator)
    }
}

extension LadderItem {
    /// One JSONL line (no trailing newline), keys sorted so output is byte-stable.
    public func jsonLine() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(LadderItemRecord(self)), as: UTF8.self)
    }

    /// `items` as JSONL bytes, one `jsonLine()` per item, each ending in a newline. Writing them is the
    /// caller's (the CLI writes through `SafeFile.atomicWrite`: an exclusive, unpredictable temporary name
    /// next to the destination, fsync, rename over a regular file or nothing).
    public static func jsonlBytes(_ items: [LadderItem]) throws -> [UInt8] {
        var data: [UInt8] = []
        for item in items {
            data += Array(try item.jsonLine().utf8)
            data.append(10)
        }
        return data
    }
}
