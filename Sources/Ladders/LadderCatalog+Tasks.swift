/// The synthetic task ladders `tasks-*`.
extension LadderCatalog {
    private func taskIDs(_ prefix: String) -> [String] {
        (0..<options.generatedBaseItems).map { paddedID(prefix, $0) }
    }

    func additionLadder() -> Ladder {
        let digits = Self.additionDigits
        return Ladder(name: "tasks-addition",
                      summary: "d-digit addition, trained d = 1-4, answer = sum digits; never solved by the shipped model (accuracy ~0 at every level)",
                      levelNames: digits.map { "\($0) digit" + ($0 == 1 ? "" : "s") }, baseItemIDs: taskIDs("add-"),
                      options: options, trigram: assets.trigram) { level, _, rng in
            let t = TaskGenerators.addition(digits: digits[level.index], rng: &rng)
            return LadderContent(content: t.text, answerSpan: t.answerSpan, scoredOffsets: t.scoredOffsets)
        }
    }

    func dyckLadder() -> Ladder {
        let shapes = Self.dyckNests
        return Ladder(name: "tasks-dyck",
                      summary: "Dyck-2 strings of length 64: depth-1 pairs with k fully nested runs of depth d, trained depth <= 4; answer = closing brackets",
                      levelNames: shapes.map { $0.nests == 0 ? "depth 1" : "\($0.nests) nests of depth \($0.depth)" },
                      baseItemIDs: taskIDs("dyck-"), options: options, trigram: assets.trigram) { level, _, rng in
            let shape = shapes[level.index]
            let t = TaskGenerators.dyck(nests: shape.nests, depth: shape.depth, rng: &rng)
            return LadderContent(content: t.text, answerSpan: t.answerSpan, scoredOffsets: t.scoredOffsets)
        }
    }

    func retrievalLadder(control: Bool) -> Ladder {
        let pairs = Self.retrievalPairs
        let name = control ? "tasks-retrieval-control" : "tasks-retrieval"
        let summary = control
            ? "2 key=value pairs padded with filler to the length of the N-pair item"
            : "key=value retrieval with N pairs, trained N = 2-16, answer = 3-digit value; never solved by the shipped model (chance at every level)"
        return Ladder(name: name, summary: summary,
                      levelNames: pairs.map { control ? "length of \($0) pairs" : "\($0) pairs" },
                      baseItemIDs: taskIDs(control ? "kvc-" : "kv-"),
                      options: options, trigram: assets.trigram) { level, _, rng in
            let n = pairs[level.index]
            let t = control
                ? TaskGenerators.retrieval(pairs: 2, fillerWords: TaskGenerators.controlFillerWords(matching: n), rng: &rng)
                : TaskGenerators.retrieval(pairs: n, rng: &rng)
            return LadderContent(content: t.text, answerSpan: t.answerSpan, scoredOffsets: t.scoredOffsets)
        }
    }
}

/// `prefix` followed by `n` zero-padded to 4 digits ("kv-0007").
func paddedID(_ prefix: String, _ n: Int) -> String {
    let digits = String(describing: n)
    return prefix + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}
