/// Looks up ladders by name. Built-in ladders are generated from the committed held-out sets in
/// `Assets/datasets/`; `custom:PATH` loads a user's JSONL file or folder (see ``CustomDataset``).
///
/// Names: `ood`, `noise`, `noise-blt` (categorical), `structure`, `tasks-addition`, `tasks-dyck`,
/// `tasks-retrieval`, `tasks-retrieval-control`, and the sparsity paper's `paper-noise`, `paper-options`,
/// `paper-mmlu-pro`, `paper-context`. The group names `tasks` and `sparsity-paper` expand to their
/// ladders in ``ladders(matching:)``.
public struct LadderCatalog: Sendable {
    public let assets: DatasetAssets
    public let options: LadderOptions

    public static let builtInNames = [
        "ood", "noise", "noise-blt", "structure",
        "tasks-addition", "tasks-dyck", "tasks-retrieval", "tasks-retrieval-control",
    ] + sparsityPaperLadders
    public static let groups = ["tasks": ["tasks-addition", "tasks-dyck", "tasks-retrieval", "tasks-retrieval-control"],
                                "sparsity-paper": sparsityPaperLadders]
    /// Ladders whose base items are generated (`LadderOptions.generatedBaseItems` of them), so more can be
    /// made on demand without changing existing items (item seeds depend only on the id).
    public static let generatedNames: Set<String> = ["ood", "tasks-addition", "tasks-dyck", "tasks-retrieval", "tasks-retrieval-control"]

    /// Typo rates of the `noise` ladder.
    public static let noiseRates: [Double] = [0, 0.02, 0.05, 0.10, 0.20, 0.35, 0.50]
    /// `tasks-addition` levels. The shipped model solves none of them (measured: greedy accuracy 0.04 at
    /// 1 digit, 0 above; it does not even copy a repeated line), so no easier level was added: the ladder
    /// stays as trained (1–4 digits) plus length generalisation (5–8).
    public static let additionDigits = Array(1...8)
    /// `tasks-dyck` levels: `nests` fully nested runs of depth `depth` in a 64-byte string of otherwise
    /// depth-1 pairs (``TaskGenerators/dyckNests(nests:depth:length:rng:)``). Calibrated on the shipped model
    /// (greedy accuracy over all closing brackets): pairs only ≈ 1, then 2/4/8/16 depth-2 nests fall
    /// gradually, depth-4 and depth-8 nests are at chance.
    public static let dyckNests: [(nests: Int, depth: Int)] = [(0, 1), (2, 2), (4, 2), (8, 2), (2, 3), (4, 4), (4, 8)]
    /// `tasks-retrieval` levels. The shipped model solves none (answer loss ≈ log2 10 bits per digit, i.e.
    /// chance, at every N, also with 1 pair or a repeated pair), so the ladder stays as trained (2–16) plus
    /// longer lists.
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
        case "paper-noise": return paperNoiseLadder()
        case "paper-options": return paperOptionsLadder()
        case "paper-mmlu-pro": return paperMMLUProLadder()
        case "paper-context": return paperContextLadder()
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
}
