/// The `ood` ladder on aligned parallel messages.
extension LadderCatalog {
    func oodLadder() -> Ladder {
        let n = options.generatedBaseItems
        let ids = (0..<n).map { paddedID("ood-", $0) }
        let messages = assets.messages
        let levels = Self.oodLevels
        let perItem = Self.messagesPerOODItem
        let budget = options.oodByteBudget
        let baseSeed = options.baseSeed
        // Message indices of base item b: a seeded partial Fisher-Yates draw that depends only on
        // (item id, base seed), so all levels of an item show the same messages.
        let pick: @Sendable (Int) -> [Int] = { b in
            var rng = SplitMix64(seed: ItemSeed.make(ladder: "ood", level: "<messages>", itemID: ids[b], baseSeed: baseSeed))
            var idx = Array(messages.indices)
            let k = min(perItem, idx.count)
            for i in 0..<k {
                let j = i + rng.nextInt(below: idx.count - i)
                idx.swapAt(i, j)
            }
            return Array(idx[0..<k])
        }
        let text: @Sendable (Int, String) -> [UInt8] = { b, field in
            let joined = pick(b).map { messages[$0].translations[field] ?? "" }.joined(separator: "\n")
            return ScalarText.utf8(ScalarText.prefix(joined, maxBytes: budget))
        }
        return Ladder(name: "ood", summary: "language and script distance on aligned messages (en + 16 languages)",
                      levelNames: levels.map(\.name), levelsAreCategories: true, baseItemIDs: ids, options: options,
                      trigram: assets.trigram) { level, b, rng in
            let fields = levels[level.index].fields
            if fields.isEmpty {
                let length = text(b, "en").count
                let content = level.name == "random bytes"
                    ? ScalarText.randomBytes(length: length, rng: &rng)
                    : ScalarText.randomUTF8(length: length, rng: &rng)
                return LadderContent(content: content, variant: level.name)
            }
            let field = fields[rng.nextInt(below: fields.count)]
            return LadderContent(content: text(b, field), variant: field)
        }
    }
}
