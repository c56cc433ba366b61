/// Matching a ladder's levels on input size, so that a level effect cannot come from the texts simply being
/// longer or cut into more patches.
///
/// Every base item's levels are cut (from the end of the content; the probe suffix is kept) to the size of
/// its smallest level: the same number of bytes (`bytes`, cut at a UTF-8 scalar boundary, so a level may be
/// up to 3 bytes short of the others) or the same number of patches under the run's patching (`patches`,
/// cut at a patch start; BLT patching is causal, so the kept bytes keep their patches and the suffix still
/// starts a new patch). The two cannot hold at once: scripts need different bytes per patch.
public enum ItemMatching: String, Sendable, CaseIterable, Codable {
    case none, bytes, patches
}

/// One admissible cut of an item's content: keep its first `length` bytes, which hold `size` units
/// (bytes or patches) of the matched quantity.
public struct ContentCut: Sendable, Equatable {
    public var length: Int
    public var size: Int

    public init(length: Int, size: Int) {
        self.length = length; self.size = size
    }
}

public enum LevelMatching {
    /// Cut points at every UTF-8 scalar boundary of `content` (every byte that is not a continuation byte,
    /// and the end), sized in bytes.
    public static func byteCuts(_ content: some Collection<UInt8>) -> [ContentCut] {
        var cuts: [ContentCut] = []
        for (i, b) in content.enumerated() where b & 0xC0 != 0x80 { cuts.append(ContentCut(length: i, size: i)) }
        cuts.append(ContentCut(length: content.count, size: content.count))
        return cuts
    }

    /// Cut points at every patch start inside the content, sized in patches (those starting inside the
    /// content; empty patches do not count), from the patch lengths of BOS + the item's bytes up to the end of
    /// its content. Content byte i is sequence position `contentStart + i + 1` (position 0 is BOS).
    public static func patchCuts(patchLengths: [Int], contentStart: Int = 0, contentLength: Int) -> [ContentCut] {
        var cuts = [ContentCut(length: 0, size: 0)]
        let first = contentStart + 1, last = contentStart + contentLength
        var start = 0, count = 0
        for length in patchLengths {
            defer { start += length }
            guard length > 0, start >= first, start <= last else { continue }
            if start > first { cuts.append(ContentCut(length: start - first, size: count)) }
            count += 1
        }
        cuts.append(ContentCut(length: contentLength, size: count))
        return cuts
    }

    /// `items` with every base item's levels (same ladder and base item id) cut to the group's smallest size:
    /// each item keeps the longest prefix whose size is at most that. `cuts(item)` lists the item's admissible
    /// cuts, ascending, the last being the whole content; `truncate` makes the cut item.
    /// - Throws: ``LadderError/invalidOption(name:detail:)`` naming the item when a ladder has answers (a cut
    ///   would remove them) or when the common size is 0 (nothing left to analyse).
    public static func match(_ items: [LadderItem], option: String = "--match",
                             cuts: (LadderItem) throws -> [ContentCut],
                             truncate: (LadderItem, Int) throws -> LadderItem) throws -> [LadderItem] {
        var groups: [String: [Int]] = [:]
        var cutsOf: [[ContentCut]] = []
        for (i, item) in items.enumerated() {
            guard item.answerSpan == nil, item.scoredOffsets.isEmpty else {
                throw LadderError.invalidOption(name: option, detail: "ladder \(item.ladder) has answers, which a cut would remove; "
                                                + "match only ladders without answers (e.g. ood, noise, structure)")
            }
            cutsOf.append(try cuts(item))
            groups["\(item.ladder)\u{1F}\(item.baseItemID)", default: []].append(i)
        }
        var out = items
        for (_, members) in groups {
            let target = members.map { cutsOf[$0].last?.size ?? 0 }.min() ?? 0
            for i in members {
                let length = cutsOf[i].last { $0.size <= target }?.length ?? 0
                guard length > 0 else {
                    throw LadderError.invalidOption(name: option, detail: "item \(items[i].ladder)/\(items[i].level.name)/\(items[i].baseItemID) "
                                                    + "would be cut to nothing (its base item's smallest level has size \(target))")
                }
                if length < items[i].analysisSpan.count { out[i] = try truncate(items[i], length) }
            }
        }
        return out
    }
}

extension Ladder {
    /// `item` with its content cut to its first `contentLength` bytes, the probe suffix kept and the trigram
    /// surprisal recomputed for the shorter content.
    public func truncated(_ item: LadderItem, contentLength: Int) -> LadderItem {
        let span = item.analysisSpan
        let length = min(max(0, contentLength), span.count)
        let content = Array(item.bytes[span.lowerBound..<(span.lowerBound + length)])
        let bytes = Array(item.bytes[..<span.lowerBound]) + content + Array(item.bytes[span.upperBound...])
        let newSpan = span.lowerBound..<(span.lowerBound + length)
        let perByte = trigram?.bitsPerByte(bytes, span: newSpan)
        let scalars = String(decoding: content, as: UTF8.self).unicodeScalars.count
        return LadderItem(ladder: item.ladder, level: item.level, baseItemID: item.baseItemID, seed: item.seed, bytes: bytes,
                          analysisSpan: newSpan, answerSpan: nil, scoredOffsets: [],
                          shiftBitsPerByte: perByte, shiftBitsPerScalar: perByte.map { $0 * Double(length) / Double(max(1, scalars)) },
                          variant: item.variant)
    }
}
