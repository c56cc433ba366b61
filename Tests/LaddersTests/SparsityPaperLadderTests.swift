import Testing
@testable import Ladders

@Suite("The sparsity paper's ladders")
struct SparsityPaperLadderTests {
    static let catalog = TestCatalog.catalog()

    @Test("look-alike noise: rate 0 only normalises whitespace, rate 1 replaces every letter, seeded")
    func lookAlikeNoise() {
        var rng = SplitMix64(seed: 1)
        #expect(LookAlikeNoise.apply("a  b\nc", rate: 0, rng: &rng) == "a b c")
        var r1 = SplitMix64(seed: 3), r2 = SplitMix64(seed: 3)
        let text = "The quick brown fox jumps over the lazy dog"
        let a = LookAlikeNoise.apply(text, rate: 0.1, rng: &r1), b = LookAlikeNoise.apply(text, rate: 0.1, rng: &r2)
        #expect(a == b)
        var r3 = SplitMix64(seed: 9)
        let all = LookAlikeNoise.apply("abc xyz", rate: 1, rng: &r3)
        #expect(!all.unicodeScalars.contains { ("a"..."z").contains($0) }, "\(all)")
        // Upper-case letters get upper-case look-alikes.
        var r4 = SplitMix64(seed: 5)
        #expect(!LookAlikeNoise.apply("ZZ", rate: 1, rng: &r4).contains("ζ"))
    }

    @Test("option perturbation adds min(count, options) edited copies of existing options")
    func optionPerturbation() {
        var rng = SplitMix64(seed: 4)
        let options = ["the cat is in the hat", "a dog on a log", "one two three four five six"]
        let extended = OptionPerturbation.extend(options, by: 5, rng: &rng)
        #expect(extended.count == 6)
        #expect(Array(extended.prefix(3)) == options)
        for copy in extended.dropFirst(3) {
            let words = Set(copy.split(separator: " ").map(String.init))
            #expect(options.contains { !words.isDisjoint(with: $0.split(separator: " ").map(String.init)) })
        }
    }

    @Test("every level asks the same question with the same options, ends in the same line, and the answer continues the passage")
    func sameQuestionAtEveryLevel() throws {
        let base = try Self.catalog.ladder(named: "paper-options").items(limit: 3)
        let normal = try Self.catalog.ladder(named: "paper-mmlu-pro").items(limit: 3)
        let noise = try Self.catalog.ladder(named: "paper-noise").items(limit: 3)
        let context = try Self.catalog.ladder(named: "paper-context").items(limit: 3)
        for b in 0..<3 {
            let first = base[b]
            #expect(normal[b].bytes == first.bytes && noise[b].bytes == first.bytes && context[b].bytes == first.bytes)
            for item in base + normal + noise + context {
                #expect(String(decoding: item.bytes[item.analysisSpan], as: UTF8.self).hasSuffix("\n\nAnswer:"))
            }
            // Longer context levels end with the level-0 prompt and grow.
            let levels = context.filter { $0.baseItemID == first.baseItemID }
            #expect(levels.count == LadderCatalog.paperContextBytes.count)
            for (l, item) in levels.enumerated().dropFirst() {
                #expect(item.bytes.count > levels[l - 1].bytes.count)
                #expect(Array(item.bytes.suffix(first.bytes.count)) == first.bytes)
            }
            // The answer letter names the passage's own continuation.
            let passage = Self.catalog.assets.passages.first { $0.id == first.baseItemID }!
            let words = passage.text.split(whereSeparator: { $0.isWhitespace }).map(String.init)
            let truth = words[30..<36].joined(separator: " ")
            let letter = first.variant.dropFirst("answer ".count).prefix(1)
            #expect(first.text.contains("(\(letter)) \(truth)\n"), "\(first.variant)")
        }
        let options = try Self.catalog.ladder(named: "paper-options").items(limit: 1)
        #expect(options.map { $0.text.components(separatedBy: "\n(").count - 1 } == [10, 15, 20])
    }
}
