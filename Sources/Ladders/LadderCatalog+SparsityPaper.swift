/// The sparsity paper's difficulty axes on bytes (`probe run --protocol sparsity-paper`, group
/// `sparsity-paper`): multiple-choice prompts in the paper's MMLU-Pro format, built from the held-out
/// English passages, each ending in the same `"\nAnswer:"` line so the probe position has identical local
/// content at every level (difficulty_and_metrics.md §A.2, A.9).
///
/// A base question shows the first ~30 words of a passage and asks which of ten 6-word phrases continues
/// it: the passage's own next six words, or six consecutive words of another passage. The ladders:
/// - `paper-noise`: the question text without / with the paper's 10 % look-alike character noise
///   (``LookAlikeNoise``; options untouched, as in the paper);
/// - `paper-options`: 10 options, + 5 and + 10 perturbed copies (``OptionPerturbation``), no noise;
/// - `paper-mmlu-pro`: the paper's own three conditions — normal, light (+ 5 copies and noise), heavy
///   (+ 10 copies and noise);
/// - `paper-context`: the same question after 0, 512, 1024 and 2048 bytes of other passages as context
///   (the LongReason axis: question fixed, context longer; each level's context extends the previous one).
extension LadderCatalog {
    /// The ladders of the `sparsity-paper` group, in report order.
    public static let sparsityPaperLadders = ["paper-noise", "paper-options", "paper-mmlu-pro", "paper-context"]
    /// Options of a base question, the passage words it shows, and the words of each option phrase.
    static let paperOptionCount = 10, paperExcerptWords = 30, paperPhraseWords = 6
    /// Context bytes of the `paper-context` levels.
    public static let paperContextBytes = [0, 512, 1024, 2048]
    /// Character-noise rate of the paper's "light" condition (also used by its "heavy" one).
    public static let paperNoiseRate = 0.10

    /// One base question: the prompt text before the options, the options, and the correct option's index.
    struct PaperQuestion {
        let question: String
        let options: [String]
        let answer: Int
    }

    /// Passages long enough for an excerpt plus a continuation phrase, with their words.
    private func paperPassages() -> [(id: String, words: [String])] {
        assets.passages.compactMap { p in
            let words = p.text.split(whereSeparator: { $0.isWhitespace }).map(String.init)
            return words.count >= Self.paperExcerptWords + Self.paperPhraseWords ? (p.id, words) : nil
        }
    }

    /// The base question of passage `b`; its randomness depends on the passage id only (not the level), so
    /// every level of every paper ladder asks the same question with the same options in the same order.
    private func paperQuestion(_ b: Int, passages: [(id: String, words: [String])]) -> PaperQuestion {
        var rng = SplitMix64(seed: ItemSeed.make(ladder: "sparsity-paper", level: "base question",
                                                 itemID: passages[b].id, baseSeed: options.baseSeed))
        let words = passages[b].words
        let excerpt = words[0..<Self.paperExcerptWords].joined(separator: " ")
        let truth = words[Self.paperExcerptWords..<(Self.paperExcerptWords + Self.paperPhraseWords)].joined(separator: " ")
        var phrases = [truth]
        // Bounded: with too few passages (an `--assets` override) the question has fewer options.
        for _ in 0..<10_000 where phrases.count < Self.paperOptionCount && passages.count > 1 {
            let other = rng.nextInt(below: passages.count)
            guard other != b else { continue }
            let w = passages[other].words
            let start = rng.nextInt(in: 0...(w.count - Self.paperPhraseWords))
            let phrase = w[start..<(start + Self.paperPhraseWords)].joined(separator: " ")
            if !phrases.contains(phrase) { phrases.append(phrase) }
        }
        // Shuffle (Fisher–Yates with the ladders' draw); the truth's new index is the answer.
        var order = Array(phrases.indices)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.nextInt(below: i + 1)) }
        return PaperQuestion(question: "Which option continues this passage?\n\(excerpt) ...",
                             options: order.map { phrases[$0] }, answer: order.firstIndex(of: 0)!)
    }

    /// The paper's prompt format (`simple_format_mmlu_question`), with its noise step
    /// (`add_adversarial_noise_to_content`): noise rewrites only the lines before the options, and like the
    /// paper's code a noised question loses the blank line before the options.
    static func paperPrompt(_ q: PaperQuestion, options: [String], noiseRate: Double, rng: inout SplitMix64) -> String {
        let letters = options.indices.map { i -> String in
            // Options past Z (not reached: at most 20) would continue with AA, AB, ….
            i < 26 ? String(UnicodeScalar(UInt8(65 + i))) : "A" + String(UnicodeScalar(UInt8(65 + i - 26)))
        }
        let optionLines = zip(letters, options).map { "(\($0)) \($1)" }.joined(separator: "\n")
        let question = noiseRate > 0 ? LookAlikeNoise.apply(q.question, rate: noiseRate, rng: &rng) : q.question + "\n"
        return question + "\n" + optionLines + "\n\nAnswer:"
    }

    /// A ladder over the paper questions; `level` maps a level index to (added copies, noise rate, context bytes).
    private func paperLadder(name: String, summary: String, levelNames: [String],
                             level setting: @escaping @Sendable (Int) -> (copies: Int, noise: Double, context: Int)) -> Ladder {
        let passages = paperPassages()
        let questions = passages.indices.map { paperQuestion($0, passages: passages) }
        let baseSeed = options.baseSeed
        return Ladder(name: name, summary: summary, levelNames: levelNames, baseItemIDs: passages.map(\.id),
                      options: options, trigram: assets.trigram) { level, b, rng in
            let s = setting(level.index)
            let q = questions[b]
            let opts = s.copies > 0 ? OptionPerturbation.extend(q.options, by: s.copies, rng: &rng) : q.options
            var prompt = Self.paperPrompt(q, options: opts, noiseRate: s.noise, rng: &rng)
            if s.context > 0 {
                prompt = "Context:\n" + Self.paperContext(excluding: b, bytes: s.context, passages: passages,
                                                          itemID: passages[b].id, baseSeed: baseSeed) + "\n\n" + prompt
            }
            let letter = q.answer < 26 ? String(UnicodeScalar(UInt8(65 + q.answer))) : "?"
            return LadderContent(content: Array(prompt.utf8), variant: "answer \(letter); \(opts.count) options")
        }
    }

    /// Other passages, in an order fixed by the item id, joined and cut at a word boundary to at most `bytes`
    /// bytes; a longer level's context starts with the shorter level's.
    static func paperContext(excluding b: Int, bytes: Int, passages: [(id: String, words: [String])],
                             itemID: String, baseSeed: UInt64) -> String {
        var rng = SplitMix64(seed: ItemSeed.make(ladder: "paper-context", level: "context", itemID: itemID, baseSeed: baseSeed))
        var text = ""
        guard passages.count > 1 else { return text }
        while true {
            let other = rng.nextInt(below: passages.count)
            guard other != b else { continue }
            for word in passages[other].words {
                let next = text.isEmpty ? word : text + " " + word
                if next.utf8.count > bytes { return text }
                text = next
            }
        }
    }

    func paperNoiseLadder() -> Ladder {
        paperLadder(name: "paper-noise", summary: "sparsity paper: question with 10 % look-alike character noise",
                    levelNames: ["normal", "char noise 10%"]) { (0, $0 == 0 ? 0 : Self.paperNoiseRate, 0) }
    }

    func paperOptionsLadder() -> Ladder {
        paperLadder(name: "paper-options", summary: "sparsity paper: 10 options plus 5 or 10 perturbed copies",
                    levelNames: ["10 options", "15 options", "20 options"]) { ([0, 5, 10][$0], 0, 0) }
    }

    func paperMMLUProLadder() -> Ladder {
        paperLadder(name: "paper-mmlu-pro", summary: "sparsity paper's MMLU-Pro conditions: normal, light, heavy",
                    levelNames: ["normal", "light", "heavy"]) { ([0, 5, 10][$0], $0 == 0 ? 0 : Self.paperNoiseRate, 0) }
    }

    func paperContextLadder() -> Ladder {
        paperLadder(name: "paper-context", summary: "sparsity paper: the same question after longer context",
                    levelNames: Self.paperContextBytes.map { "context \($0) B" }) { (0, 0, Self.paperContextBytes[$0]) }
    }
}
