/// Looks up ladders by name. Built-in ladders are generated from the committed held-out sets in
/// `Assets/datasets/`; `custom:PATH` loads a user's JSONL file or folder (see ``CustomDataset``).
///
/// Names: `ood`, `noise`, `noise-blt` (categorical), `structure`, `tasks-addition`, `tasks-dyck`,
/// `tasks-retrieval`, `tasks-retrieval-control`. The group name `tasks` expands to the four task
/// ladders in ``ladders(matching:)``.
public struct LadderCatalog: Sendable {
    public let assets: DatasetAssets
    public let options: LadderOptions

    public static let builtInNames = [
        "ood", "noise", "noise-blt", "structure",
        "tasks-addition", "tasks-dyck", "tasks-retrieval", "tasks-retrieval-control",
    ]
    public static let groups = ["tasks": ["tasks-addition", "tasks-dyck", "tasks-retrieval", "tasks-retrieval-control"]]

    /// Typo rates of the `noise` ladder.
    public static let noiseRates: [Double] = [0, 0.02, 0.05, 0.10, 0.20, 0.35, 0.50]
    public static let additionDigits = Array(1...8)
    public static let dyckDepths = [1, 2, 4, 8, 16]
    public static let retrievalPairs = [2, 4, 8, 16, 32, 64]
    /// Messages per `ood` base item.
    public static let messagesPerOODItem = 12
    /// `ood` levels: name and the message fields a level draws its language from (one per item,
    /// uniformly); the last two levels are random and use no field.
    public static let oodLevels: [(name: String, fields: [String])] = [
        ("English", ["en"]),
        ("de/fr/es", ["de", "fr", "es"]),
        ("pl/tr", ["pl", "tr"]),
        ("vi", ["vi"]),
        ("transliterated ru/el", ["ru_latn", "el_latn"]),
        ("transliterated ar/zh/ko", ["ar_latn", "zh_CN_latn", "ko_latn"]),
        ("native Cyrillic/Greek", ["ru", "uk", "el"]),
        ("native CJK/Thai/Devanagari", ["zh_CN", "ja", "ko", "th", "hi"]),
        ("random valid UTF-8", []),
        ("random bytes", []),
    ]

    public init(assets: DatasetAssets, options: LadderOptions = LadderOptions()) {
        self.assets = assets
        self.options = options
    }

    /// Locates `Assets/` (see ``AssetLocator``) and builds a catalog.
    public static func locate(assetsOverride: String? = nil, options: LadderOptions = LadderOptions(),
                              extraStartPoints: [String] = []) throws -> LadderCatalog {
        LadderCatalog(assets: try DatasetAssets.locate(override: assetsOverride, extraStartPoints: extraStartPoints),
                      options: options)
    }

    /// The same catalog with another base seed (assets are shared, nothing is reloaded).
    public func with(seed: UInt64) -> LadderCatalog {
        var o = options
        o.baseSeed = seed
        return LadderCatalog(assets: assets, options: o)
    }

    /// One ladder by exact name, or `custom:PATH`.
    public func ladder(named name: String) throws -> Ladder {
        if name.hasPrefix("custom:") {
            return try CustomDataset.load(path: String(name.dropFirst("custom:".count)), options: options,
                                          trigram: assets.trigram)
        }
        switch name {
        case "ood": return oodLadder()
        case "noise": return noiseLadder()
        case "noise-blt": return bltNoiseLadder()
        case "structure": return structureLadder()
        case "tasks-addition": return additionLadder()
        case "tasks-dyck": return dyckLadder()
        case "tasks-retrieval": return retrievalLadder(control: false)
        case "tasks-retrieval-control": return retrievalLadder(control: true)
        default:
            throw LadderError.unknownLadder(name: name, known: Self.builtInNames + Self.groups.keys.sorted())
        }
    }

    /// A ladder name or a group name (`tasks`), expanded to ladders.
    public func ladders(matching name: String) throws -> [Ladder] {
        if let members = Self.groups[name] { return try members.map { try ladder(named: $0) } }
        return [try ladder(named: name)]
    }

    /// All built-in ladders, in ``builtInNames`` order.
    public func builtInLadders() throws -> [Ladder] {
        try Self.builtInNames.map { try ladder(named: $0) }
    }

    // MARK: English-passage ladders

    private func englishBase() -> (ids: [String], texts: [[Unicode.Scalar]]) {
        let budget = options.englishByteBudget
        return (assets.passages.map(\.id), assets.passages.map { ScalarText.prefix($0.text, maxBytes: budget) })
    }

    func noiseLadder() -> Ladder {
        let base = englishBase()
        let rates = Self.noiseRates
        return Ladder(name: "noise", summary: "typo rate p (substitute/delete/insert/swap) on held-out English",
                      levelNames: rates.map { "p=\(Self.rateName($0))" }, baseItemIDs: base.ids,
                      options: options, trigram: assets.trigram) { level, b, rng in
            LadderContent(content: ScalarText.utf8(TypoNoise.perturb(base.texts[b], rate: rates[level.index], rng: &rng)))
        }
    }

    func bltNoiseLadder() -> Ladder {
        let base = englishBase()
        let names = ["clean"] + BLTNoise.allCases.map(\.rawValue)
        return Ladder(name: "noise-blt", summary: "BLT paper noising strategies (categorical) on held-out English",
                      levelNames: names, isOrdinal: false, baseItemIDs: base.ids,
                      options: options, trigram: assets.trigram) { level, b, rng in
            let text = base.texts[b]
            guard level.index > 0 else { return LadderContent(content: ScalarText.utf8(text)) }
            let op = BLTNoise.allCases[level.index - 1]
            return LadderContent(content: ScalarText.utf8(op.apply(text, rng: &rng)), variant: op.rawValue)
        }
    }

    func structureLadder() -> Ladder {
        let base = englishBase()
        return Ladder(name: "structure", summary: "structure destroyed step by step, character inventory kept",
                      levelNames: StructureTransform.allCases.map(\.levelName), baseItemIDs: base.ids,
                      options: options, trigram: assets.trigram) { level, b, rng in
            let t = StructureTransform.allCases[level.index]
            return LadderContent(content: ScalarText.utf8(t.apply(base.texts[b], rng: &rng)))
        }
    }

    /// "0", "0.02", ..., "0.5" (Swift's shortest round-trip decimal, locale-free).
    static func rateName(_ p: Double) -> String {
        p == 0 ? "0" : "\(p)"
    }

    // MARK: Parallel-message ladder

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
                      levelNames: levels.map(\.name), baseItemIDs: ids, options: options,
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

    // MARK: Task ladders

    private func taskIDs(_ prefix: String) -> [String] {
        (0..<options.generatedBaseItems).map { paddedID(prefix, $0) }
    }

    func additionLadder() -> Ladder {
        let digits = Self.additionDigits
        return Ladder(name: "tasks-addition", summary: "d-digit addition, trained d = 1-4, answer = sum digits",
                      levelNames: digits.map { "\($0) digit" + ($0 == 1 ? "" : "s") }, baseItemIDs: taskIDs("add-"),
                      options: options, trigram: assets.trigram) { level, _, rng in
            let t = TaskGenerators.addition(digits: digits[level.index], rng: &rng)
            return LadderContent(content: t.text, answerSpan: t.answerSpan, scoredOffsets: t.scoredOffsets)
        }
    }

    func dyckLadder() -> Ladder {
        let depths = Self.dyckDepths
        return Ladder(name: "tasks-dyck", summary: "Dyck-2 strings of length 64 by maximum depth, trained depth <= 4",
                      levelNames: depths.map { "depth \($0)" }, baseItemIDs: taskIDs("dyck-"),
                      options: options, trigram: assets.trigram) { level, _, rng in
            let t = TaskGenerators.dyck(depth: depths[level.index], rng: &rng)
            return LadderContent(content: t.text, answerSpan: t.answerSpan, scoredOffsets: t.scoredOffsets)
        }
    }

    func retrievalLadder(control: Bool) -> Ladder {
        let pairs = Self.retrievalPairs
        let name = control ? "tasks-retrieval-control" : "tasks-retrieval"
        let summary = control
            ? "2 key=value pairs padded with filler to the length of the N-pair item"
            : "key=value retrieval with N pairs, trained N = 2-16, answer = 3-digit value"
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
